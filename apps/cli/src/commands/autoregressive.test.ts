import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readImage, tf } from '@scalespace/core';
import { fixtureDir } from '@scalespace/data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../run-cli.test-helper.js';

let dir: string;

describe('scalespace train pixelpyramids / sample / eval nll', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'scalespace-ar-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('trains with checkpoints and a JSON log, resumes, samples with evaluation counts, and evaluates bits/dim', async () => {
    const out = join(dir, 'pp');
    const data = `folder:${fixtureDir()}`;
    const first = await run([
      'train',
      'pixelpyramids',
      '--data',
      data,
      '--size',
      '16',
      '--bits',
      '5',
      '--steps',
      '2',
      '--batch',
      '4',
      '--out',
      out,
      '--json',
    ]);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ kind: 'pixelpyramids', steps: 2 });
    const resumed = await run([
      'train',
      'pixelpyramids',
      '--data',
      data,
      '--size',
      '16',
      '--bits',
      '5',
      '--steps',
      '3',
      '--batch',
      '4',
      '--out',
      out,
      '--resume',
      '--json',
    ]);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ resumedFrom: 2, steps: 1 });
    const log = (await readFile(join(out, 'log.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(log.map((e) => e.step)).toEqual([1, 2, 3]);

    const sample = await run(['sample', out, '--n', '2', '--out', join(dir, 'grid.png'), '--json']);
    expect(sample.code).toBe(0);
    const s = JSON.parse(sample.stdout);
    expect(s.kind).toBe('pixelpyramids');
    expect(s.networkEvaluations).toBe(16 + 4 * 4); // 4x4 coarsest + 4 levels of 4 sub-images

    const nll = await run(['eval', 'nll', out, '--data', data, '--json']);
    expect(nll.code).toBe(0);
    const bpd = JSON.parse(nll.stdout).bitsPerDim;
    expect(bpd).toBeGreaterThan(0);
    expect(bpd).toBeLessThan(10);
  });

  it('cleans samples with --cleanup: only the replaced outlier pixels change', async () => {
    const plain = join(dir, 'plain.png');
    const clean = join(dir, 'clean.png');
    const args = ['sample', 'pixelpyramids-mnist', '--n', '2', '--seed', '4', '--json'];
    expect((await run([...args, '--out', plain])).code).toBe(0);
    const cleaned = await run([...args, '--cleanup', '--out', clean]);
    expect(cleaned.code).toBe(0);
    const { outliersReplaced } = JSON.parse(cleaned.stdout);
    // The default contamination: 1% of each 32x32 sample's pixels.
    expect(outliersReplaced).toBe(2 * Math.round(0.01 * 32 * 32));
    const [a, b] = await Promise.all([readImage(plain, { channels: 1 }), readImage(clean, { channels: 1 })]);
    const [va, vb] = [await a.data(), await b.data()];
    let changed = 0;
    for (let i = 0; i < va.length; i++) if (va[i] !== vb[i]) changed++;
    expect(changed).toBeGreaterThan(0);
    expect(changed).toBeLessThanOrEqual(outliersReplaced);
    tf.dispose([a, b]);
  });

  it('explains a size that does not fit the data', async () => {
    const r = await run([
      'train',
      'pixelcnn',
      '--data',
      'mnist',
      '--size',
      '31',
      '--steps',
      '1',
      '--out',
      join(dir, 'x'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('does not fit');
  });
});
