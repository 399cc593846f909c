import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readImage, rng, tf } from '@scalespace/core';
import { imageFileInfo } from '@scalespace/data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAnimation } from './animation.js';

describe('writeAnimation', () => {
  let dir: string;
  beforeAll(async () => {
    await tf.setBackend('wasm');
    dir = await mkdtemp(join(tmpdir(), 'singan-anim-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes an animated GIF with one page per frame, or a folder of exact PNG frames', async () => {
    const before = tf.memory().numTensors;
    const frames = tf.tidy(() => tf.div(tf.round(tf.mul(rng(1).uniformTensor([3, 6, 5, 3]), 255)), 255)) as tf.Tensor4D;
    const gif = join(dir, 'walk.gif');
    await writeAnimation(gif, frames, { delayMs: 50 });
    expect(await imageFileInfo(gif)).toEqual({ width: 5, height: 6, colour: 3, pages: 3 });
    const folder = join(dir, 'frames');
    await writeAnimation(folder, frames);
    expect((await readdir(folder)).sort()).toEqual(['frame-000.png', 'frame-001.png', 'frame-002.png']);
    const second = await readImage(join(folder, 'frame-001.png'));
    const expected = tf.tidy(() => tf.squeeze(tf.slice(frames, [1, 0, 0, 0], [1, 6, 5, 3]), [0]));
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(second, expected))).dataSync()[0])).toBeLessThan(1e-6);
    tf.dispose([frames, second, expected]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
