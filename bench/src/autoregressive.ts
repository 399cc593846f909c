// Sequential network evaluations and wall time per sample of PixelPyramids against PixelCNN++ (the
// same architectures the CLI trains, random weights: timing does not depend on training) at 32, 64 and
// 128 pixels. PixelCNN++ needs one network evaluation per pixel; above 32 px its time is the median
// time of one evaluation times H * W (marked "est.").
import { createModel, recipeConfig } from '@scalespace/autoregressive';
import { tf } from '@scalespace/core';
import { BatchSampler, fixtureImages, type ImageDataset, loadFashionMnist, loadMnist } from '@scalespace/data';
import { levelEntropy } from '@scalespace/pyramids';
import { median, printTable, timeRuns, writeResults } from './harness.js';

const config = (kind: 'pixelcnn' | 'pixelpyramids', size: number) => recipeConfig(kind, { size, channels: 1, bits: 8 });

export async function run(): Promise<void> {
  await tf.setBackend('wasm');
  const rows: Array<Array<string | number>> = [];
  const results = [];
  for (const size of [32, 64, 128]) {
    const pp = createModel(config('pixelpyramids', size), 1);
    const ppTimes = await timeRuns(
      async () => {
        const s = await pp.sample({ n: 1, seed: 1 });
        s.images.dispose();
      },
      3,
      1,
    );
    const ppSample = await pp.sample({ n: 1, seed: 1 });
    ppSample.images.dispose();
    pp.module.dispose();

    const cnn = createModel(config('pixelcnn', size), 1);
    const x = tf.zeros([1, size, size, 1], 'int32');
    const evalTimes = await timeRuns(
      () => tf.tidy(() => (cnn.module as unknown as { params(t: tf.Tensor): tf.Tensor }).params(x).dataSync()),
      5,
      1,
    );
    let cnnSeconds: number;
    let measured = false;
    if (size === 32) {
      const s = await cnn.sample({ n: 1, seed: 1 });
      cnnSeconds = s.seconds;
      s.images.dispose();
      measured = true;
    } else {
      cnnSeconds = (median(evalTimes) * size * size) / 1000;
    }
    x.dispose();
    cnn.module.dispose();
    const ppSeconds = median(ppTimes) / 1000;
    const entry = {
      size,
      pixelPyramids: { steps: ppSample.networkEvaluations, seconds: ppSeconds },
      pixelCNN: { steps: size * size, seconds: cnnSeconds, measured },
      stepRatio: (size * size) / ppSample.networkEvaluations,
      timeRatio: cnnSeconds / ppSeconds,
    };
    results.push(entry);
    rows.push([
      `${size}x${size}`,
      entry.pixelPyramids.steps,
      ppSeconds.toFixed(2),
      entry.pixelCNN.steps,
      `${cnnSeconds.toFixed(1)}${measured ? '' : ' (est.)'}`,
      entry.stepRatio.toFixed(1),
      entry.timeRatio.toFixed(1),
    ]);
  }
  console.log('one grey 8-bit sample, random weights, wasm, median of 3 (PixelPyramids)');
  printTable(['size', 'PP steps', 'PP s', 'PixelCNN++ steps', 'PixelCNN++ s', 'fewer steps', 'speed-up'], rows);
  const entropy = await levelEntropies();
  console.log(`wrote ${await writeResults('autoregressive', { sampling: results, entropy })}`);
}

/** 1000 test digits padded to 32x32, 8-bit int32. */
function digits(data: ImageDataset): tf.Tensor4D {
  const sampler = new BatchSampler(data.take(1000), {
    batchSize: 1000,
    shuffle: false,
    augment: { pad: 2 },
    format: { bits: 8 },
  });
  const { images, labels } = sampler.batch(0);
  labels?.dispose();
  return images;
}

/** The CC0 fixture photos, centre 128x128 crops, RGB, 8-bit int32. */
async function photos(): Promise<tf.Tensor4D> {
  const list = await fixtureImages({ channels: 3 });
  const crops = tf.tidy(() => {
    const cut = list.map((p) => {
      const [h, w] = p.shape;
      return tf.slice(p, [(h - 128) >> 1, (w - 128) >> 1, 0], [128, 128, 3]);
    });
    return tf.cast(tf.round(tf.mul(tf.stack(cut), 255)), 'int32') as tf.Tensor4D;
  });
  tf.dispose(list);
  return crops;
}

/**
 * Entropy (bits per value) of the raw pixels and of every level of the paired pyramid (finest fine
 * component first, the 4x4 coarse image last): PixelPyramids' Fig. 4. A level with low entropy is
 * cheap to model; MNIST's fine components are almost all n/2 (no difference).
 */
async function levelEntropies() {
  const sets: Array<[string, () => Promise<tf.Tensor4D>]> = [
    ['MNIST test (1000, 32x32)', async () => digits(await loadMnist('test'))],
    ['Fashion-MNIST test (1000, 32x32)', async () => digits(await loadFashionMnist('test'))],
    ['CC0 photos (7, 128x128 RGB)', photos],
  ];
  const rows: Array<Array<string | number>> = [];
  const results = [];
  for (const [name, load] of sets) {
    let images: tf.Tensor4D;
    try {
      images = await load();
    } catch (error) {
      console.log(`skipped ${name}: ${(error as Error).message.split('.')[0]}`);
      continue;
    }
    const report = await levelEntropy(images, { pyramid: 'paired', bits: 8, coarsest: 4 });
    images.dispose();
    results.push({ name, ...report });
    rows.push([name, report.raw.toFixed(2), ...report.levels.map((l) => l.entropyBits.toFixed(2))]);
  }
  const widest = Math.max(...results.map((r) => r.levels.length));
  const header = ['images', 'raw', ...Array.from({ length: widest - 1 }, (_, i) => `fine_${i + 1}`), 'coarse'];
  console.log('\nentropy in bits per value of each paired-pyramid level (8-bit values, coarsest 4x4)');
  printTable(
    header,
    rows.map((r) =>
      r.length < header.length ? [...r.slice(0, -1), ...Array(header.length - r.length).fill(''), r[r.length - 1]] : r,
    ),
  );
  return results;
}
