import { InvalidImageError, tf } from '@scalespace/core';

// Decompositions laid out as one image for PNG output. Values are mapped to [0, 1] for display:
// images and low-pass bands by their own min..max, detail bands by |value| / max |value| (mid-grey = 0
// would hide sparse details), integer levels by value / (2^bits - 1).

function normalise(t: tf.Tensor, how: 'minmax' | 'abs' | { bits: number }): tf.Tensor {
  return tf.tidy(() => {
    const f = tf.cast(t, 'float32');
    if (typeof how === 'object') return tf.div(f, 2 ** how.bits - 1);
    if (how === 'abs') return tf.div(tf.abs(f), tf.maximum(tf.max(tf.abs(f)), 1e-12));
    const lo = tf.min(f);
    return tf.div(tf.sub(f, lo), tf.maximum(tf.sub(tf.max(f), lo), 1e-12));
  });
}

async function place(
  canvas: Float32Array,
  width: number,
  channels: number,
  tile: tf.Tensor,
  top: number,
  left: number,
) {
  const [h, w, c] = tile.shape as number[];
  const v = await tile.data();
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let ch = 0; ch < channels; ch++)
        canvas[((top + y) * width + left + x) * channels + ch] = v[(y * w + x) * c + (c === 1 ? 0 : ch)];
}

/**
 * Levels of a pyramid (finest first, each [h, w, C]) side by side: the finest on the left, the
 * coarser ones stacked top to bottom in a column to its right. `bits` maps integer levels to [0, 1].
 */
export async function pyramidMosaic(
  levels: tf.Tensor[],
  options: { bits?: number; background?: number } = {},
): Promise<tf.Tensor3D> {
  if (levels.length === 0) throw new InvalidImageError('pyramidMosaic: no levels');
  for (const l of levels)
    if (l.rank !== 3)
      throw new InvalidImageError(`pyramidMosaic: levels must be [h, w, C], got [${l.shape.join(', ')}]`);
  const channels = Math.max(...levels.map((l) => l.shape[2] as number));
  const [h0, w0] = levels[0].shape as number[];
  const rest = levels.slice(1);
  const columnWidth = Math.max(0, ...rest.map((l) => l.shape[1] as number));
  const columnHeight = rest.reduce((s, l) => s + (l.shape[0] as number), 0);
  const height = Math.max(h0, columnHeight);
  const width = w0 + (rest.length ? columnWidth + 1 : 0);
  const canvas = new Float32Array(height * width * channels).fill(options.background ?? 1);
  const how = options.bits ? { bits: options.bits } : 'minmax';
  const shown = levels.map((l) => normalise(l, how as 'minmax'));
  try {
    await place(canvas, width, channels, shown[0], 0, 0);
    let top = 0;
    for (const t of shown.slice(1)) {
      await place(canvas, width, channels, t, top, w0 + 1);
      top += t.shape[0];
    }
  } finally {
    tf.dispose(shown);
  }
  return tf.tensor3d(canvas, [height, width, channels]);
}

/**
 * The classic wavelet layout: low-pass in the top-left corner, each level's H / V / D details around
 * it (below, right, diagonal), coarsest first. Takes a `wavedec2` result or any `{ lowpass, details }`
 * with details [h, w, 3, C] listed coarsest first (e.g. a lifting pyramid's levels reversed).
 */
export async function waveletMosaic(decomposition: { lowpass: tf.Tensor; details: tf.Tensor[] }): Promise<tf.Tensor3D> {
  const { lowpass, details } = decomposition;
  if (lowpass.rank !== 3 || details.some((d) => d.rank !== 4))
    throw new InvalidImageError(
      'waveletMosaic: expects an unbatched decomposition ([h, w, C] low-pass, [h, w, 3, C] details)',
    );
  const c = lowpass.shape[2] as number;
  const height = (lowpass.shape[0] as number) + details.reduce((s, d) => s + (d.shape[0] as number), 0);
  const width = (lowpass.shape[1] as number) + details.reduce((s, d) => s + (d.shape[1] as number), 0);
  const canvas = new Float32Array(height * width * c).fill(0);
  const low = normalise(lowpass, 'minmax');
  await place(canvas, width, c, low, 0, 0).finally(() => low.dispose());
  let offsetH = lowpass.shape[0] as number;
  let offsetW = lowpass.shape[1] as number;
  for (const d of details) {
    const [h, w] = d.shape as number[];
    // Bands first: each band is then a contiguous slice.
    const [hl, lh, hh] = tf.tidy(() => tf.unstack(tf.transpose(d, [2, 0, 1, 3])).map((b) => normalise(b, 'abs')));
    try {
      await place(canvas, width, c, hl, offsetH, 0);
      await place(canvas, width, c, lh, 0, offsetW);
      await place(canvas, width, c, hh, offsetH, offsetW);
    } finally {
      tf.dispose([hl, lh, hh]);
    }
    offsetH += h;
    offsetW += w;
  }
  return tf.tensor3d(canvas, [height, width, c]);
}
