// The pyramid and wavelet explorer: an image's paired pyramid (PixelPyramids' lossless decomposition) level by
// level, its wavelet bands, and the entropy of each level of the paired pyramid and of the 5/3 integer wavelet.
import { tf } from '@scalespace/core';
import {
  disposePaired,
  disposeWavelet,
  type LevelEntropy,
  levelEntropy,
  pairedLevelSizes,
  pairedPyramid,
  resize,
  splitAxis,
  type WaveletName,
  wavedec2,
  waveletMosaic,
} from '@scalespace/pyramids';
import type { TaskContext } from '../context.js';
import { fromRgba, toPicture } from '../pictures.js';
import type { Picture, Rgba } from '../protocol.js';

/** Larger images are shrunk to this side first: the transforms are matrix products, quadratic in the side. */
const MAX_SIDE = 512;

export interface ExplorerInput {
  image: Rgba;
  bits: number;
  /** Splits of the paired pyramid (each halves the longer side). */
  pairedLevels: number;
  wavelet: WaveletName;
  waveletLevels: number;
}

export interface ExplorerLevel extends LevelEntropy {
  picture: Picture;
  /** The axis this level split ('coarse' for the coarsest image). */
  axis: 'rows' | 'columns' | 'coarse';
}

export interface ExplorerOutput {
  /** [height, width] analysed, after shrinking and cropping. */
  size: [number, number];
  /** [height, width] of the image as given. */
  original: [number, number];
  /** Entropy of the raw pixel values, bits per value. */
  rawEntropy: number;
  /** The paired pyramid, finest level first, the coarse image last. */
  paired: ExplorerLevel[];
  /** The 5/3 integer wavelet's levels' entropies, finest first, the low-pass band last. */
  lifting: LevelEntropy[];
  wavelet: Picture;
  seconds: number;
}

/** The largest [height, width] within the given one whose sides halve `levels` times in the paired pyramid's order. */
export function pairedCrop(height: number, width: number, levels: number): [number, number] {
  let [h, w] = [height, width];
  for (let attempt = 0; attempt < 8; attempt++) {
    let [rows, cols, sh, sw] = [0, 0, h, w];
    for (let l = 0; l < levels; l++) {
      if (splitAxis(sh, sw) === 'rows') [rows, sh] = [rows + 1, sh / 2];
      else [cols, sw] = [cols + 1, sw / 2];
    }
    const next: [number, number] = [h - (h % 2 ** rows), w - (w % 2 ** cols)];
    if (next[0] === h && next[1] === w) break;
    [h, w] = next;
  }
  pairedLevelSizes(h, w, { levels }); // throws a clear error when no crop works
  return [h, w];
}

export async function explore(input: ExplorerInput, context: TaskContext): Promise<ExplorerOutput> {
  const started = performance.now();
  const { bits, pairedLevels: levels } = input;
  const given = fromRgba(input.image, 1);
  const original: [number, number] = [given.shape[0], given.shape[1]];
  const shrink = Math.min(1, MAX_SIDE / Math.max(...original));
  const shrunk = shrink < 1 ? (tf.clipByValue(resize(given, { scale: shrink }), 0, 1) as tf.Tensor3D) : given;
  const [h, w] = pairedCrop(shrunk.shape[0], shrunk.shape[1], levels);
  const grey = tf.slice(shrunk, [0, 0, 0], [h, w, 1]);
  const ints = tf.tidy(() => tf.cast(tf.round(tf.mul(grey, 2 ** bits - 1)), 'int32').expandDims(0));
  const pyramid = pairedPyramid(ints, { bits, levels });
  const decomposition = wavedec2(grey, { wavelet: input.wavelet, levels: input.waveletLevels, mode: 'periodization' });
  try {
    context.report({ step: 1, total: 3, phase: 'entropy' });
    const paired = await levelEntropy(ints, { pyramid: 'paired', bits, levels });
    const lifting = await levelEntropy(ints, { pyramid: 'lifting', bits, levels: input.waveletLevels });
    context.report({ step: 2, total: 3, phase: 'levels' });
    const parts = [...pyramid.levels.map((l) => l.fine), pyramid.coarse];
    const pictures = await Promise.all(parts.map((t) => toPicture(t, { bits })));
    const mosaic = await waveletMosaic(decomposition);
    context.report({ step: 3, total: 3, phase: 'wavelet' });
    return {
      size: [h, w],
      original,
      rawEntropy: paired.raw,
      paired: paired.levels.map((level, i) => ({
        ...level,
        picture: pictures[i],
        axis: i < pyramid.levels.length ? pyramid.levels[i].axis : 'coarse',
      })),
      lifting: lifting.levels,
      wavelet: await toPicture(mosaic).finally(() => mosaic.dispose()),
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    disposePaired(pyramid);
    disposeWavelet(decomposition);
    tf.dispose([given, shrunk, grey, ints]);
  }
}
