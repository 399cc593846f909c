import { InvalidArgumentError } from '@scalespace/core';
import { loadMnist } from '@scalespace/data';

/** Images as uint8 [N, H, W, C] bytes (what the trainers and evaluators read). */
export interface ImageArray {
  data: Uint8Array;
  n: number;
  height: number;
  width: number;
  channels: number;
}

/** Zero-pads images on every side by `pad` pixels. */
export function padImages(images: ImageArray, pad: number): ImageArray {
  if (!Number.isInteger(pad) || pad < 0) throw new InvalidArgumentError(`pad must be an integer >= 0, got ${pad}`);
  if (pad === 0) return images;
  const { n, height: h, width: w, channels: c } = images;
  const H = h + 2 * pad;
  const W = w + 2 * pad;
  const out = new Uint8Array(n * H * W * c);
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < h; y++) {
      const src = (i * h + y) * w * c;
      const dst = ((i * H + y + pad) * W + pad) * c;
      out.set(images.data.subarray(src, src + w * c), dst);
    }
  }
  return { data: out, n, height: H, width: W, channels: c };
}

/** MNIST (from @scalespace/data) padded by 2 pixels to 32x32, the size of the shipped models. */
export async function loadMnist32(split: 'train' | 'test'): Promise<ImageArray> {
  const set = await loadMnist(split);
  const [height, width, channels] = set.shape;
  return padImages({ data: set.data, n: set.size, height, width, channels }, 2);
}
