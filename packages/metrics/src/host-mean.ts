import type { tf } from '@scalespace/core';

/**
 * Mean of each image of a batch [N, ...], summed in float64 on the host. tfjs backends (wasm in particular)
 * accumulate `tf.mean` in float32 one value at a time, which costs ~1e-4 in SSIM and ~1e-2 dB in PSNR on a
 * 2048x2048 image; the per-pixel values are float32-exact, only their sum needs the wider accumulator.
 */
export async function meanPerImage(t: tf.Tensor): Promise<number[]> {
  const n = t.shape[0] ?? 1;
  const values = await t.data();
  const per = values.length / n;
  const means: number[] = [];
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = i * per, end = j + per; j < end; j++) sum += values[j];
    means.push(sum / per);
  }
  return means;
}
