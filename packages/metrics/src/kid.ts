import { InvalidArgumentError, rng } from '@scalespace/core';

export interface KidOptions {
  /** Number of random subsets the MMD is averaged over (default 100). */
  subsets?: number;
  /** Vectors per subset (default min(1000, smaller set)); with the full size and 1 subset, no randomness. */
  subsetSize?: number;
  /** Seed of the subset draws (default 0). */
  seed?: number;
}

/** Kernel Inception Distance and the standard deviation of its subset estimates. */
export interface KidResult {
  kid: number;
  std: number;
}

/**
 * Kernel distance of Binkowski et al. (2018) between two sets of feature vectors (row-major, `dims`
 * each): the unbiased MMD^2 with the cubic polynomial kernel k(x, y) = (x.y / dims + 1)^3, averaged
 * over random subsets drawn without replacement. Unbiased, so it can be slightly negative for equal
 * distributions.
 */
export function kernelDistance(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  dims: number,
  options: KidOptions = {},
): KidResult {
  if (!Number.isInteger(dims) || dims < 1)
    throw new InvalidArgumentError(`kid: dims must be a positive integer, got ${dims}`);
  if (a.length % dims || b.length % dims)
    throw new InvalidArgumentError(`kid: feature arrays are not whole vectors of ${dims}`);
  const na = a.length / dims;
  const nb = b.length / dims;
  const { subsets = 100, seed = 0 } = options;
  const size = options.subsetSize ?? Math.min(1000, na, nb);
  if (!Number.isInteger(size) || size < 2 || size > Math.min(na, nb)) {
    throw new InvalidArgumentError(
      `kid: subsetSize must be an integer in 2..${Math.min(na, nb)} (the smaller set), got ${size}; KID needs at least 2 vectors per set`,
    );
  }
  if (!Number.isInteger(subsets) || subsets < 1)
    throw new InvalidArgumentError(`kid: subsets must be a positive integer, got ${subsets}`);
  for (const arr of [a, b])
    for (let i = 0; i < arr.length; i++)
      if (!Number.isFinite(arr[i])) throw new InvalidArgumentError('kid: the features contain NaN or Infinity');
  const kernel = (x: ArrayLike<number>, i: number, y: ArrayLike<number>, j: number) => {
    let s = 0;
    const xo = i * dims;
    const yo = j * dims;
    for (let p = 0; p < dims; p++) s += x[xo + p] * y[yo + p];
    return (s / dims + 1) ** 3;
  };
  // Kernel values are cached so overlapping subsets cost nothing extra.
  const cache = new Map<number, number>();
  const cached = (key: number, f: () => number) => {
    let v = cache.get(key);
    if (v === undefined) {
      v = f();
      cache.set(key, v);
    }
    return v;
  };
  const total = na + nb;
  const k = (u: number, v: number) => {
    const lo = Math.min(u, v);
    const hi = Math.max(u, v);
    return cached(lo * total + hi, () => {
      const [x, i] = lo < na ? [a, lo] : [b, lo - na];
      const [y, j] = hi < na ? [a, hi] : [b, hi - na];
      return kernel(x, i, y, j);
    });
  };
  const r = rng(seed);
  const estimates: number[] = [];
  const all = size === na && size === nb && subsets === 1;
  for (let s = 0; s < subsets; s++) {
    const ia = all ? [...Array(na).keys()] : r.shuffle([...Array(na).keys()]).slice(0, size);
    const ib = (all ? [...Array(nb).keys()] : r.shuffle([...Array(nb).keys()]).slice(0, size)).map((j) => j + na);
    let xx = 0;
    let yy = 0;
    let xy = 0;
    for (let i = 0; i < size; i++) {
      for (let j = 0; j < size; j++) {
        if (i !== j) {
          xx += k(ia[i], ia[j]);
          yy += k(ib[i], ib[j]);
        }
        xy += k(ia[i], ib[j]);
      }
    }
    estimates.push((xx + yy) / (size * (size - 1)) - (2 * xy) / (size * size));
  }
  const kid = estimates.reduce((p, q) => p + q, 0) / estimates.length;
  const variance =
    estimates.length > 1 ? estimates.reduce((p, q) => p + (q - kid) ** 2, 0) / (estimates.length - 1) : 0;
  return { kid, std: Math.sqrt(variance) };
}
