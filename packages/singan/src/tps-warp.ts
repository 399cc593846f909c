import { InvalidArgumentError, type Rng, tf } from '@scalespace/core';

function radial(r2: number): number {
  return r2 === 0 ? 0 : r2 * Math.log(r2);
}

/** Solves A x = b (A n x n, row-major) by Gaussian elimination with partial pivoting. */
function solve(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const m = Float64Array.from(a);
  const x = Float64Array.from(b);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r * n + col]) > Math.abs(m[pivot * n + col])) pivot = r;
    if (pivot !== col) {
      for (let k = 0; k < n; k++) [m[col * n + k], m[pivot * n + k]] = [m[pivot * n + k], m[col * n + k]];
      [x[col], x[pivot]] = [x[pivot], x[col]];
    }
    const d = m[col * n + col];
    for (let r = col + 1; r < n; r++) {
      const f = m[r * n + col] / d;
      if (f === 0) continue;
      for (let k = col; k < n; k++) m[r * n + k] -= f * m[col * n + k];
      x[r] -= f * x[col];
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = x[r];
    for (let k = r + 1; k < n; k++) s -= m[r * n + k] * x[k];
    x[r] = s / m[r * n + r];
  }
  return x;
}

/**
 * A thin-plate spline through control points: f(q) = a0 + a1 x + a2 y + sum_i w_i U(|q - c_i|),
 * U(r) = r^2 log r^2, with f(c_i) = v_i. Returns f for one output coordinate.
 */
export function thinPlateSpline(controls: Array<[number, number]>, values: number[]): (x: number, y: number) => number {
  const n = controls.length;
  const size = n + 3;
  const a = new Float64Array(size * size);
  const b = new Float64Array(size);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const dx = controls[i][0] - controls[j][0];
      const dy = controls[i][1] - controls[j][1];
      a[i * size + j] = radial(dx * dx + dy * dy);
    }
    const row = [1, controls[i][0], controls[i][1]];
    for (let k = 0; k < 3; k++) {
      a[i * size + n + k] = row[k];
      a[(n + k) * size + i] = row[k];
    }
    b[i] = values[i];
  }
  const coef = solve(a, b, size);
  return (x, y) => {
    let s = coef[n] + coef[n + 1] * x + coef[n + 2] * y;
    for (let i = 0; i < n; i++) {
      const dx = x - controls[i][0];
      const dy = y - controls[i][1];
      s += coef[i] * radial(dx * dx + dy * dy);
    }
    return s;
  };
}

export interface TpsWarpOptions {
  /** Control points per side (PetsGAN: 4). */
  pointsPerSide?: number;
  /** Largest displacement of a control point, as a fraction of the image side (PetsGAN: 0.05). */
  scale?: number;
  rng: Rng;
}

/**
 * A random thin-plate-spline warp of an image [H, W, C]: a grid of control points is jittered by
 * up to `scale` of the image size and the image is resampled (bilinear, edges clamped) so that the
 * jittered points land where the grid was. PetsGAN augments its single image this way.
 */
export async function tpsWarp(image: tf.Tensor3D, options: TpsWarpOptions): Promise<tf.Tensor3D> {
  const { pointsPerSide = 4, scale = 0.05, rng } = options;
  if (!Number.isInteger(pointsPerSide) || pointsPerSide < 2)
    throw new InvalidArgumentError(`tpsWarp: pointsPerSide must be an integer >= 2, got ${pointsPerSide}`);
  if (!(scale >= 0 && scale < 0.5)) throw new InvalidArgumentError(`tpsWarp: scale must be in [0, 0.5), got ${scale}`);
  const [h, w, c] = image.shape;
  const grid: Array<[number, number]> = [];
  for (let i = 0; i < pointsPerSide; i++)
    for (let j = 0; j < pointsPerSide; j++) grid.push([j / (pointsPerSide - 1), i / (pointsPerSide - 1)]);
  const moved = grid.map(
    ([x, y]) => [x + (2 * rng.uniform() - 1) * scale, y + (2 * rng.uniform() - 1) * scale] as [number, number],
  );
  // Backward map: for each output position (on the moved grid), where to read in the source.
  const fx = thinPlateSpline(
    moved,
    grid.map(([x]) => x),
  );
  const fy = thinPlateSpline(
    moved,
    grid.map(([, y]) => y),
  );
  const src = await image.data();
  const out = new Float32Array(h * w * c);
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      const u = w === 1 ? 0 : j / (w - 1);
      const v = h === 1 ? 0 : i / (h - 1);
      const sx = Math.min(w - 1, Math.max(0, fx(u, v) * (w - 1)));
      const sy = Math.min(h - 1, Math.max(0, fy(u, v) * (h - 1)));
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const x1 = Math.min(w - 1, x0 + 1);
      const y1 = Math.min(h - 1, y0 + 1);
      const ax = sx - x0;
      const ay = sy - y0;
      for (let k = 0; k < c; k++) {
        const p00 = src[(y0 * w + x0) * c + k];
        const p01 = src[(y0 * w + x1) * c + k];
        const p10 = src[(y1 * w + x0) * c + k];
        const p11 = src[(y1 * w + x1) * c + k];
        out[(i * w + j) * c + k] = (1 - ay) * ((1 - ax) * p00 + ax * p01) + ay * ((1 - ax) * p10 + ax * p11);
      }
    }
  }
  return tf.tensor3d(out, [h, w, c]);
}
