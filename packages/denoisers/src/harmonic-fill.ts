// The classic baseline for inpainting and missing pixels: the harmonic (membrane) interpolant, the image that
// equals the known pixels and solves Laplace's equation (each unknown pixel the mean of its neighbours)
// elsewhere. Solved on the host by successive over-relaxation, started coarse to fine so large holes converge.

/**
 * Fills the pixels where `known` is 0 in an interleaved image [H, W, C] (values and known both H * W * C long,
 * channels independent). Neighbours are the 4-connected pixels inside the image.
 */
export function harmonicFill(
  values: ArrayLike<number>,
  known: ArrayLike<number>,
  h: number,
  w: number,
  channels: number,
): Float32Array {
  const out = new Float32Array(h * w * channels);
  const plane = new Float32Array(h * w);
  const mask = new Uint8Array(h * w);
  for (let c = 0; c < channels; c++) {
    for (let i = 0; i < h * w; i++) {
      plane[i] = values[i * channels + c];
      mask[i] = known[i * channels + c] !== 0 ? 1 : 0;
    }
    const filled = fillPlane(plane, mask, h, w);
    for (let i = 0; i < h * w; i++) out[i * channels + c] = filled[i];
  }
  return out;
}

function fillPlane(values: Float32Array, known: Uint8Array, h: number, w: number): Float32Array {
  const out = Float32Array.from(values);
  let knownCount = 0;
  for (const k of known) knownCount += k;
  if (knownCount === 0) return out.fill(0);
  if (knownCount === h * w) return out;
  // Start from the fill of the half-size image (a block is known where any of its pixels is).
  if (h >= 8 && w >= 8) {
    const hh = Math.ceil(h / 2);
    const ww = Math.ceil(w / 2);
    const sums = new Float32Array(hh * ww);
    const counts = new Uint8Array(hh * ww);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        if (!known[i]) continue;
        const j = (y >> 1) * ww + (x >> 1);
        sums[j] += values[i];
        counts[j] += 1;
      }
    for (let j = 0; j < sums.length; j++) if (counts[j]) sums[j] /= counts[j];
    const coarse = fillPlane(sums, counts, hh, ww);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) if (!known[y * w + x]) out[y * w + x] = coarse[(y >> 1) * ww + (x >> 1)];
  } else {
    let mean = 0;
    for (let i = 0; i < h * w; i++) if (known[i]) mean += values[i] / knownCount;
    for (let i = 0; i < h * w; i++) if (!known[i]) out[i] = mean;
  }
  const unknown: number[] = [];
  for (let i = 0; i < h * w; i++) if (!known[i]) unknown.push(i);
  const omega = 2 / (1 + Math.sin(Math.PI / Math.max(h, w))); // the optimal SOR factor of a square grid
  for (let sweep = 0; sweep < 4 * Math.max(h, w) + 100; sweep++) {
    let change = 0;
    for (const i of unknown) {
      const y = Math.floor(i / w);
      const x = i - y * w;
      const up = y > 0 ? 1 : 0;
      const down = y < h - 1 ? 1 : 0;
      const left = x > 0 ? 1 : 0;
      const right = x < w - 1 ? 1 : 0;
      const sum = up * out[i - w * up] + down * out[i + w * down] + left * out[i - left] + right * out[i + right];
      const step = omega * (sum / (up + down + left + right) - out[i]);
      out[i] += step;
      change = Math.max(change, Math.abs(step));
    }
    if (change < 1e-6) break;
  }
  return out;
}
