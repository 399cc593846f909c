// @scalespace/metrics against ssim.js 3.5.0 in one process, on a real CC0 photo (the astronaut fixture,
// resized up to 512x512 and 2048x2048 RGB) and a noisy copy (Gaussian, std 0.05, seed 2004), both 8-bit:
// - SSIM: ours vs ssim.js { ssim: 'fast', downsample: false, windowSize: 11, k1: 0.01, k2: 0.03, bitDepth: 8,
//   rgb2grayVersion: 'integer' }. 'fast' is ssim.js's separable implementation of Wang et al.'s ssim.m
//   (Gaussian 11x11, sigma 1.5, 'valid' window positions, population statistics): the definition ours has.
//   ssim.js always compares grey (its rgb2gray of RGBA input) and, by default, first downsamples as the
//   2009 ssim.m does (round(min side / 256)) and uses Dan Weber's box-window approximation ('weber'), so:
//   the equality check is on grey (ssim.js's integer grey, (77 R + 150 G + 29 B + 128) >> 8, computed
//   here the same way and fed to ours), downsampling off. ssim.js's defaults and our colour SSIM (mean over
//   R, G, B) are listed as values only: they are different definitions.
// - PSNR: ssim.js has none; the baseline is a float64 loop over the 8-bit values (10 log10(255^2 / MSE)).
// - BRISQUE: score of the photo and of the noisy copy, ms per image (no peer implementation runs in Node).
// - FID: images per second of the InceptionV3 trunk's pooled features at 299x299 (batches of 8).
// Our metrics average per-pixel values in float64 on the host: wasm's float32 tf.mean cost ~1e-2 dB of PSNR
// and ~2e-4 of SSIM at 2048x2048 before that.
// Speed: median of >= 3 timed runs after one warm-up, inputs already in memory (tensors for ours, RGBA bytes
// for ssim.js).
import { initBackend, rng, tf } from '@scalespace/core';
import { fixturePath, loadImage } from '@scalespace/data';
import { brisque, psnr, ssim, trunkFeatureExtractor } from '@scalespace/metrics';
import { ssim as ssimJs } from 'ssim.js';
import { median, printTable, timeRuns, writeResults } from './harness.js';

const SIZES = [512, 2048];
const NOISE = 0.05;
const SEED = 2004;
const FID_BATCH = 8;

const SSIM_JS_WANG = {
  ssim: 'fast',
  downsample: false,
  windowSize: 11,
  k1: 0.01,
  k2: 0.03,
  bitDepth: 8,
  rgb2grayVersion: 'integer',
} as const;

interface Pair {
  size: number;
  /** RGBA bytes as ssim.js takes them. */
  rgba: [
    { data: Uint8ClampedArray; width: number; height: number },
    { data: Uint8ClampedArray; width: number; height: number },
  ];
  /** 8-bit RGB values, for the PSNR baseline. */
  bytes: [Uint8Array, Uint8Array];
  /** [H, W, 3] and [H, W, 1] (ssim.js's integer grey) in [0, 1]. */
  rgb: [tf.Tensor3D, tf.Tensor3D];
  grey: [tf.Tensor3D, tf.Tensor3D];
}

/** The photo upscaled to size x size and a noisy copy, both rounded to 8 bits. */
async function makePair(size: number): Promise<Pair> {
  const photo = await loadImage(fixturePath('astronaut'), { size, policy: 'longer-side' });
  const clean = tf.tidy(() => tf.round(tf.mul(photo, 255)));
  const noisy = tf.tidy(() =>
    tf.clipByValue(tf.round(tf.add(clean, rng(SEED).normalTensor(clean.shape, { std: NOISE * 255 }))), 0, 255),
  );
  photo.dispose();
  const [h, w] = clean.shape;
  const bytes = [Uint8Array.from(clean.dataSync()), Uint8Array.from(noisy.dataSync())] as [Uint8Array, Uint8Array];
  tf.dispose([clean, noisy]);
  const rgba = bytes.map((b) => {
    const data = new Uint8ClampedArray(h * w * 4);
    for (let i = 0, j = 0; i < h * w; i++, j += 3) {
      data[4 * i] = b[j];
      data[4 * i + 1] = b[j + 1];
      data[4 * i + 2] = b[j + 2];
      data[4 * i + 3] = 255;
    }
    return { data, width: w, height: h };
  }) as Pair['rgba'];
  const grey = bytes.map((b) => {
    const g = new Float32Array(h * w);
    for (let i = 0, j = 0; i < h * w; i++, j += 3)
      g[i] = ((77 * b[j] + 150 * b[j + 1] + 29 * b[j + 2] + 128) >> 8) / 255;
    return tf.tensor3d(g, [h, w, 1]);
  }) as [tf.Tensor3D, tf.Tensor3D];
  const rgb = bytes.map((b) =>
    tf.tensor3d(
      Float32Array.from(b, (v) => v / 255),
      [h, w, 3],
    ),
  ) as [tf.Tensor3D, tf.Tensor3D];
  return { size, rgba, bytes, rgb, grey };
}

/** PSNR baseline: float64 loop over the 8-bit values. */
function psnrLoop(a: Uint8Array, b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    s += d * d;
  }
  return 10 * Math.log10((255 * 255) / (s / a.length));
}

async function timed<T>(fn: () => T | Promise<T>, repeats: number): Promise<{ value: T; ms: number }> {
  let value = await fn();
  const times = await timeRuns(
    async () => {
      value = await fn();
    },
    repeats,
    0,
  );
  return { value, ms: median(times) };
}

export async function run(): Promise<void> {
  const backend = await initBackend(undefined, { log: false });
  const ssimRows: Array<Record<string, number>> = [];
  const psnrRows: Array<Record<string, number>> = [];
  const definitionRows: Array<Record<string, number>> = [];
  const brisqueRows: Array<Record<string, number>> = [];
  for (const size of SIZES) {
    const pair = await makePair(size);
    const repeats = 3;
    const ours = await timed(() => ssim(pair.grey[0], pair.grey[1], { dataRange: 1 }), repeats);
    const theirs = await timed(() => ssimJs(pair.rgba[0], pair.rgba[1], SSIM_JS_WANG).mssim, repeats);
    ssimRows.push({
      size,
      ours: ours.value,
      ssimJs: theirs.value,
      absDiff: Math.abs(ours.value - theirs.value),
      oursMs: ours.ms,
      ssimJsMs: theirs.ms,
      speedup: theirs.ms / ours.ms,
    });
    const p = await timed(() => psnr(pair.rgb[0], pair.rgb[1], { dataRange: 1 }), repeats);
    const loop = await timed(() => psnrLoop(pair.bytes[0], pair.bytes[1]), repeats);
    psnrRows.push({
      size,
      ours: p.value,
      loop: loop.value,
      absDiff: Math.abs(p.value - loop.value),
      oursMs: p.ms,
      loopMs: loop.ms,
      speedup: loop.ms / p.ms,
    });
    // Different definitions, one run each: values only.
    definitionRows.push({
      size,
      oursRgbMean: await ssim(pair.rgb[0], pair.rgb[1], { dataRange: 1 }),
      oursY: await ssim(pair.rgb[0], pair.rgb[1], { dataRange: 1, channel: 'y' }),
      ssimJsFastDownsampled: ssimJs(pair.rgba[0], pair.rgba[1], { ...SSIM_JS_WANG, downsample: 'original' }).mssim,
      ssimJsDefaults: ssimJs(pair.rgba[0], pair.rgba[1]).mssim,
    });
    const b = await timed(() => brisque(pair.rgb[1]), repeats);
    brisqueRows.push({ size, clean: await brisque(pair.rgb[0]), noisy: b.value, msPerImage: b.ms });
    tf.dispose([...pair.rgb, ...pair.grey]);
  }

  console.log(
    `SSIM on grey (ssim.js integer grey), ours (${backend}) vs ssim.js 'fast', downsample off; median ms of 3`,
  );
  printTable(
    ['size', 'ours', 'ssim.js', '|diff|', 'ours ms', 'ssim.js ms', 'speed-up'],
    ssimRows.map((r) => [
      `${r.size}x${r.size}`,
      r.ours.toFixed(6),
      r.ssimJs.toFixed(6),
      r.absDiff.toExponential(1),
      r.oursMs.toFixed(1),
      r.ssimJsMs.toFixed(1),
      r.speedup.toFixed(2),
    ]),
  );
  console.log('\nPSNR (RGB, dB), ours vs a float64 loop over the 8-bit values (ssim.js has no PSNR); median ms of 3');
  printTable(
    ['size', 'ours', 'loop', '|diff|', 'ours ms', 'loop ms', 'speed-up'],
    psnrRows.map((r) => [
      `${r.size}x${r.size}`,
      r.ours.toFixed(4),
      r.loop.toFixed(4),
      r.absDiff.toExponential(1),
      r.oursMs.toFixed(1),
      r.loopMs.toFixed(1),
      r.speedup.toFixed(2),
    ]),
  );
  console.log('\nSSIM under other definitions (values only): ours RGB channel mean, ours BT.601 Y; ssim.js with');
  console.log("the 2009 ssim.m downsampling (round(min side / 256)), ssim.js defaults ('weber' + downsampling)");
  printTable(
    ['size', 'ours RGB', 'ours Y', 'ssim.js fast+down', 'ssim.js defaults'],
    definitionRows.map((r) => [
      `${r.size}x${r.size}`,
      r.oursRgbMean.toFixed(6),
      r.oursY.toFixed(6),
      r.ssimJsFastDownsampled.toFixed(6),
      r.ssimJsDefaults.toFixed(6),
    ]),
  );

  console.log("\nBRISQUE (OpenCV's LIVE model, lower is better) of the photo and its noisy copy; median ms of 3");
  printTable(
    ['size', 'clean', 'noisy', 'ms / image'],
    brisqueRows.map((r) => [`${r.size}x${r.size}`, r.clean.toFixed(3), r.noisy.toFixed(3), r.msPerImage.toFixed(1)]),
  );

  // FID throughput: the InceptionV3 trunk's pooled (mixed10, 2048) features of 299x299 images.
  const extractor = await trunkFeatureExtractor({ trunk: 'inception-v3' });
  const batch = tf.tidy(() => rng(SEED).uniformTensor([FID_BATCH, 299, 299, 3]) as tf.Tensor4D);
  const fidTimes = await timeRuns(() => extractor.extract(batch).dataSync(), 3, 1);
  batch.dispose();
  const fid = {
    extractor: extractor.name,
    batch: FID_BATCH,
    msPerBatch: median(fidTimes),
    imagesPerSecond: (1000 * FID_BATCH) / median(fidTimes),
  };
  console.log(
    `\nFID features (${fid.extractor}), batches of ${FID_BATCH} at 299x299: ${fid.imagesPerSecond.toFixed(2)} images/s (median of 3 batches)`,
  );

  const file = await writeResults('metrics', {
    backend,
    photo: 'astronaut (CC0) resized up; noisy copy: Gaussian std 0.05, seed 2004; both 8-bit',
    ssimJs: { version: '3.5.0', options: SSIM_JS_WANG },
    ssim: ssimRows,
    psnr: psnrRows,
    ssimDefinitions: definitionRows,
    brisque: brisqueRows,
    fid,
  });
  console.log(`wrote ${file}`);
}
