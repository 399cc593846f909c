// @scalespace/data: batches per second for MNIST and for a folder of photos with random crops, each
// against a baseline in the same process, and the speed-up of the packed cache over decoding every time.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rng, tf, writeImage } from '@scalespace/core';
import {
  BatchSampler,
  FIXTURES,
  fashionMnistDir,
  fixturePath,
  type ImageDataset,
  idxFiles,
  loadFashionMnist,
  loadImage,
  loadImageFolder,
  loadMnist,
  PatchSampler,
  readPackedDataset,
  writePackedDataset,
} from '@scalespace/data';
import { median, printTable, timeRuns, writeResults } from './harness.js';

/** Batches per second of a function that makes one batch (and disposes it), median of `repeats`. */
async function batchesPerSecond(make: (step: number) => tf.Tensor[], repeats: number): Promise<number> {
  let step = 0;
  const times = await timeRuns(
    () => {
      const tensors = make(step++);
      tensors[0].dataSync();
      tf.dispose(tensors);
    },
    repeats,
    3,
  );
  return 1000 / median(times);
}

/**
 * Baseline: the same batch made with tfjs ops from the whole dataset held as one int32 tensor (gather,
 * pad, random crop and flip per image with slice/reverse, then cast/scale), the way a tf.data-style
 * pipeline would do it.
 */
function tfOpsBatch(all: tf.Tensor4D, sampler: BatchSampler, step: number): tf.Tensor[] {
  const { augment, format } = sampler.options;
  const pad = augment.pad ?? 0;
  const crop = augment.crop;
  const r = rng(step);
  return [
    tf.tidy(() => {
      let x = tf.gather(all, sampler.indicesAt(step)) as tf.Tensor4D;
      if (pad)
        x = tf.pad(x, [
          [0, 0],
          [pad, pad],
          [pad, pad],
          [0, 0],
        ]);
      if (crop) {
        const [, h, w, c] = x.shape;
        const parts = tf.unstack(x).map((im) => {
          const cut = tf.slice(im, [r.int(h - crop[0] + 1), r.int(w - crop[1] + 1), 0], [crop[0], crop[1], c]);
          return augment.flip && r.uniform() < 0.5 ? tf.reverse(cut, 1) : cut;
        });
        x = tf.stack(parts) as tf.Tensor4D;
      }
      return format === 'float' ? tf.div(tf.cast(x, 'float32'), 255) : tf.floorDiv(x, 2 ** (8 - format.bits));
    }),
  ];
}

async function batching(name: string, set: ImageDataset, sampler: BatchSampler, repeats: number) {
  const [h, w, c] = set.shape;
  const all = tf.tensor4d(Int32Array.from(set.data), [set.size, h, w, c], 'int32');
  const ours = await batchesPerSecond((s) => {
    const b = sampler.batch(s);
    return [b.images, ...(b.labels ? [b.labels] : [])];
  }, repeats);
  const baseline = await batchesPerSecond((s) => tfOpsBatch(all, sampler, s), repeats);
  all.dispose();
  return { name, ours, baseline, speedup: ours / baseline };
}

/** A folder of "photos": each fixture upscaled to a 512 px JPEG, plus its mirror images (28 files). */
async function photoFolder(dir: string): Promise<string> {
  const folder = join(dir, 'photos');
  await mkdir(folder, { recursive: true });
  for (const name of FIXTURES) {
    const image = await loadImage(fixturePath(name), { size: 512, policy: 'longer-side' });
    const variants: Array<[string, tf.Tensor3D]> = [
      ['', image],
      ['-lr', tf.reverse(image, 1)],
      ['-tb', tf.reverse(image, 0)],
      ['-rot', tf.reverse(image, [0, 1])],
    ];
    for (const [suffix, t] of variants) await writeImage(join(folder, `${name}${suffix}.jpg`), t);
    tf.dispose(variants.map(([, t]) => t));
  }
  return folder;
}

async function loadTimes(
  label: string,
  decode: () => Promise<unknown>,
  cached: () => Promise<unknown>,
  repeats: number,
) {
  const slow = median(await timeRuns(decode, repeats, 1));
  const fast = median(await timeRuns(cached, repeats * 3, 1));
  return { name: label, decodeMs: slow, cacheMs: fast, speedup: slow / fast };
}

export async function run(): Promise<void> {
  await tf.setBackend('wasm');
  await tf.ready();
  const dir = await mkdtemp(join(tmpdir(), 'scalespace-bench-data-'));
  const cache = join(dir, 'cache');
  try {
    const mnist = await loadMnist('train');
    const photos = await photoFolder(dir);
    const folder = await loadImageFolder(photos, { size: 128, cache });
    const rows = [
      await batching('MNIST 64, float', mnist, new BatchSampler(mnist, { batchSize: 64, seed: 0 }), 60),
      await batching(
        'MNIST 64, pad 28->32, 5 bits',
        mnist,
        new BatchSampler(mnist, { batchSize: 64, seed: 0, format: { bits: 5 }, augment: { pad: 2 } }),
        60,
      ),
      await batching(
        'photos 16, 128px, crop 96 + flip',
        folder,
        new BatchSampler(folder, { batchSize: 16, seed: 0, augment: { crop: [96, 96], flip: true } }),
        40,
      ),
    ];
    console.log(
      'batches per second (median); baseline: the same batches from tfjs ops on the dataset as one int32 tensor',
    );
    printTable(
      ['batches', 'ours b/s', 'tf-ops b/s', 'speed-up'],
      rows.map((r) => [r.name, r.ours.toFixed(0), r.baseline.toFixed(0), r.speedup.toFixed(1)]),
    );

    const patches = await PatchSampler.fromFolder(photos, {
      size: 64,
      batchSize: 32,
      seed: 0,
      channels: 1,
      flip: true,
    });
    const patchRate = await batchesPerSecond((s) => [patches.batch(s)], 40);
    console.log(`\nPatchSampler, 32 grey 64x64 patches of the 28 photos: ${patchRate.toFixed(0)} batches/s`);

    const mnistPack = join(dir, 'mnist.sspack');
    await writePackedDataset(mnistPack, mnist);
    const loads = [
      await loadTimes(
        'folder: 28 JPEGs 512px -> 128px',
        () => loadImageFolder(photos, { size: 128, cache: false }),
        () => loadImageFolder(photos, { size: 128, cache }),
        3,
      ),
      await loadTimes(
        'MNIST train, raw IDX vs packed',
        () => loadMnist('train'),
        () => readPackedDataset(mnistPack),
        5,
      ),
    ];
    if (idxFiles(fashionMnistDir(), 'train')?.gz) {
      loads.push(
        await loadTimes(
          'Fashion-MNIST train, gzip IDX',
          () => loadFashionMnist({ split: 'train', cache: false }),
          () => loadFashionMnist({ split: 'train', cache }),
          3,
        ),
      );
    } else console.log(`\n(Fashion-MNIST not installed at ${fashionMnistDir()}: its cache row is left out)`);
    console.log('\nloading: decoding every time vs the packed cache (median ms)');
    printTable(
      ['source', 'decode ms', 'cache ms', 'speed-up'],
      loads.map((r) => [r.name, r.decodeMs.toFixed(1), r.cacheMs.toFixed(1), r.speedup.toFixed(1)]),
    );
    const file = await writeResults('data', {
      batching: rows,
      patchSamplerBatchesPerSecond: patchRate,
      loading: loads,
    });
    console.log(`wrote ${file}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
