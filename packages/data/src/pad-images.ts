import { InvalidArgumentError } from '@scalespace/core';
import { ImageDataset } from './dataset.js';

/**
 * The dataset with every image zero-padded by `pad` pixels on each side (labels kept), e.g. MNIST's
 * 28x28 digits padded by 2 to the 32x32 of the shipped models. `pad` 0 returns the dataset itself.
 */
export function padImages(dataset: ImageDataset, pad: number): ImageDataset {
  if (!Number.isInteger(pad) || pad < 0) throw new InvalidArgumentError(`pad must be an integer >= 0, got ${pad}`);
  if (pad === 0) return dataset;
  const [h, w, c] = dataset.shape;
  const H = h + 2 * pad;
  const W = w + 2 * pad;
  const out = new Uint8Array(dataset.size * H * W * c);
  for (let i = 0; i < dataset.size; i++) {
    for (let y = 0; y < h; y++) {
      const src = (i * h + y) * w * c;
      const dst = ((i * H + y + pad) * W + pad) * c;
      out.set(dataset.data.subarray(src, src + w * c), dst);
    }
  }
  const source = { ...dataset.source, name: `${dataset.source.name}[pad ${pad}]` };
  return new ImageDataset(out, [H, W, c], source, dataset.labels);
}
