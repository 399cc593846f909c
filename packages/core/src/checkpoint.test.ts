import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_FILE, loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { CheckpointError } from './errors.js';
import { floatToHalf, halfToFloat } from './float16.js';
import { Conv2d } from './layers.js';
import { rng } from './rng.js';
import { tf } from './tf.js';

let dir: string;

describe('checkpoints', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    dir = await mkdtemp(join(tmpdir(), 'scalespace-ckpt-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses weights holding NaN or infinities, naming the tensor, and a config.json that is not JSON', async () => {
    const before = tf.memory().numTensors;
    const a = new Conv2d({ inChannels: 1, outChannels: 2, kernelSize: 1, rng: rng(1) });
    const bad = tf.tensor1d([0, Number.NaN]);
    const path = join(dir, 'nan');
    await saveCheckpoint(path, { weight: a.weight, bias: bad }, { kind: 'test' });
    await expect(loadCheckpoint(path)).rejects.toThrow(/tensor "bias" holds 1 NaN\/infinite value of 2/);
    const inf = tf.tensor1d([Number.POSITIVE_INFINITY, 1]);
    await saveCheckpoint(path, { weight: a.weight, bias: inf }, { kind: 'test' });
    await expect(loadCheckpoint(path, a)).rejects.toThrow(CheckpointError);
    await saveCheckpoint(path, a, { kind: 'test' });
    await writeFile(join(path, CONFIG_FILE), '{"kind": ');
    await expect(loadCheckpoint(path, a)).rejects.toThrow(/config.json" is not valid JSON/);
    tf.dispose([bad, inf]);
    a.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('save and load restore weights, config and step', async () => {
    const before = tf.memory().numTensors;
    const a = new Conv2d({ inChannels: 2, outChannels: 3, kernelSize: 3, rng: rng(1) });
    const b = new Conv2d({ inChannels: 2, outChannels: 3, kernelSize: 3, rng: rng(2) });
    const path = join(dir, 'roundtrip');
    await saveCheckpoint(path, a, { kernel: 3, name: 'test' }, { step: 42 });
    const info = await loadCheckpoint<{ kernel: number }>(path, b);
    expect(info.config).toEqual({ kernel: 3, name: 'test' });
    expect(info.step).toBe(42);
    expect(Array.from(b.weight.dataSync())).toEqual(Array.from(a.weight.dataSync()));
    expect(JSON.parse(await readFile(join(path, CONFIG_FILE), 'utf8'))).toEqual({ kernel: 3, name: 'test' });
    const raw = await loadCheckpoint(join(path, 'model.safetensors'));
    expect(Object.keys(raw.tensors).sort()).toEqual(['bias', 'weight']);
    tf.dispose(Object.values(raw.tensors));
    a.dispose();
    b.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('float16 checkpoints load as float32 weights rounded to halves, at half the size', async () => {
    const before = tf.memory().numTensors;
    const a = new Conv2d({ inChannels: 8, outChannels: 8, kernelSize: 3, rng: rng(3) });
    const b = new Conv2d({ inChannels: 8, outChannels: 8, kernelSize: 3, rng: rng(4) });
    await saveCheckpoint(join(dir, 'full'), a, {});
    await saveCheckpoint(join(dir, 'half'), a, {}, { float16: true });
    await loadCheckpoint(join(dir, 'half'), b);
    const want = Array.from(a.weight.dataSync(), (v) => halfToFloat(floatToHalf(v)));
    expect(Array.from(b.weight.dataSync())).toEqual(want);
    const size = async (name: string) => (await readFile(join(dir, name, 'model.safetensors'))).length;
    expect((await size('half')) / (await size('full'))).toBeLessThan(0.6);
    a.dispose();
    b.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('says what does not fit when the architecture differs', async () => {
    const a = new Conv2d({ inChannels: 2, outChannels: 3, kernelSize: 3, rng: rng(1) });
    const wider = new Conv2d({ inChannels: 2, outChannels: 5, kernelSize: 3, bias: false, rng: rng(1) });
    const path = join(dir, 'mismatch');
    await saveCheckpoint(path, a, {});
    await expect(loadCheckpoint(path, wider)).rejects.toThrow(/"weight": shape \[3, 3, 2, 3\][\s\S]*unexpected "bias"/);
    await expect(loadCheckpoint(join(dir, 'nowhere'), wider)).rejects.toThrow(CheckpointError);
    a.dispose();
    wider.dispose();
  });

  it('a save killed half-way leaves the previous checkpoint loadable', async () => {
    const path = join(dir, 'killed');
    const small = new Conv2d({ inChannels: 1, outChannels: 1, kernelSize: 1, rng: rng(5) });
    await saveCheckpoint(path, small, { generation: 1 }, { step: 1 });
    const expected = Array.from(small.weight.dataSync());

    // A child process overwrites the same checkpoint with a large one; kill it while its temp file is being written.
    const script = `
      import { saveCheckpoint, tf } from ${JSON.stringify(new URL('./index.ts', import.meta.url).pathname)};
      await tf.setBackend('cpu');
      const big = { weight: tf.ones([1, 1, 1, 1]), bias: tf.ones([1]), pad: tf.ones([64 * 1024 * 1024]) };
      process.stdout.write('ready\\n');
      await saveCheckpoint(${JSON.stringify(path)}, big, { generation: 2 }, { step: 2 });
      process.stdout.write('saved\\n');
    `;
    // tsx runs the TypeScript sources; the hook resolves tfjs-core's extension-less registration modules (see it).
    const esmHook = new URL('./testing/tfjs-core-esm.mjs', import.meta.url).pathname;
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--import', esmHook, '--input-type=module', '-e', script],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let output = '';
    child.stdout.on('data', (d) => (output += String(d)));
    const killedMidWrite = await new Promise<boolean>((resolve) => {
      const poll = setInterval(async () => {
        // The directory can be missing for a moment (a save swapping it in) or for good (after the test).
        const files = await readdir(path).catch(() => [] as string[]);
        if (files.some((f) => f.endsWith('.tmp'))) {
          clearInterval(poll);
          child.kill('SIGKILL');
          resolve(true);
        }
      }, 2);
      child.on('exit', () => {
        clearInterval(poll);
        resolve(false);
      });
    });
    await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.on('exit', r)));
    expect(killedMidWrite).toBe(true);
    expect(output).not.toContain('saved');

    const fresh = new Conv2d({ inChannels: 1, outChannels: 1, kernelSize: 1, rng: rng(9) });
    const info = await loadCheckpoint<{ generation: number }>(path, fresh);
    expect(info.config.generation).toBe(1);
    expect(info.step).toBe(1);
    expect(Array.from(fresh.weight.dataSync())).toEqual(expected);
    small.dispose();
    fresh.dispose();
  });
});
