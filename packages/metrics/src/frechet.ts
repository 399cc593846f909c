import { InvalidArgumentError } from '@scalespace/core';
import { gramRows, matTmul, nuclearNormJacobi, pivotedCholesky, symmetricEigenvalues, transpose } from './linalg.js';

const JACOBI_LIMIT = 256;

// The Frechet distance between two Gaussians (the quantity behind FID and SIFID):
//   d^2 = |mu_a - mu_b|^2 + tr(S_a) + tr(S_b) - 2 tr((S_a S_b)^(1/2)).
// The trace of the matrix square root is computed without forming a square root of the non-symmetric
// product (scipy's sqrtm route, which needs complex arithmetic and can leave imaginary residue): with
// factors S_a = F_a F_a^T and S_b = F_b F_b^T, the eigenvalues of S_a S_b are those of M M^T for
// M = F_a^T F_b, so tr((S_a S_b)^(1/2)) is the nuclear norm of M: the sum of its singular values,
// computed by one-sided Jacobi when M is small (up to 256 on its shorter side; full relative accuracy),
// else as the square roots of the (clamped non-negative) eigenvalues of the symmetric M M^T. The factor is
// the centred samples / sqrt(n - 1) when there are fewer samples than dimensions (rank-deficient
// covariances, the usual case of SIFID and small FID sets), else a pivoted Cholesky factor.
// Everything is float64.

/** Mean and covariance (unbiased, n - 1) of a set of feature vectors. */
export interface FeatureStatistics {
  dims: number;
  count: number;
  mean: Float64Array;
  /** [dims, dims] row-major. */
  covariance: Float64Array;
  /** A factor F [dims, rank] with covariance = F F^T, when known (computed on demand otherwise). */
  factor?: { values: Float64Array; rank: number };
}

/**
 * Statistics of `count` feature vectors of length `dims` stored row-major in `features`
 * (Float32Array or Float64Array). Needs at least 2 vectors; NaN or infinite features throw.
 */
export function featureStatistics(features: ArrayLike<number>, dims: number): FeatureStatistics {
  if (!Number.isInteger(dims) || dims < 1)
    throw new InvalidArgumentError(`featureStatistics: dims must be a positive integer, got ${dims}`);
  if (features.length % dims !== 0) {
    throw new InvalidArgumentError(
      `featureStatistics: ${features.length} values do not split into vectors of ${dims}; pass the feature length as dims`,
    );
  }
  const count = features.length / dims;
  if (count < 2)
    throw new InvalidArgumentError(`featureStatistics: a covariance needs at least 2 feature vectors, got ${count}`);
  const mean = new Float64Array(dims);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < dims; j++) {
      const v = features[i * dims + j];
      if (!Number.isFinite(v))
        throw new InvalidArgumentError('featureStatistics: the features contain NaN or Infinity');
      mean[j] += v;
    }
  }
  for (let j = 0; j < dims; j++) mean[j] /= count;
  // Centred samples scaled so that covariance = X^T X.
  const scale = 1 / Math.sqrt(count - 1);
  const centred = new Float64Array(count * dims);
  for (let i = 0; i < count; i++)
    for (let j = 0; j < dims; j++) centred[i * dims + j] = (features[i * dims + j] - mean[j]) * scale;
  const covariance = matTmul(centred, centred, count, dims, dims);
  const stats: FeatureStatistics = { dims, count, mean, covariance };
  if (count < dims) stats.factor = { values: transpose(centred, count, dims), rank: count };
  return stats;
}

function factorOf(stats: FeatureStatistics): { values: Float64Array; rank: number } {
  if (!stats.factor) {
    const { factor, rank } = pivotedCholesky(stats.covariance, stats.dims);
    stats.factor = { values: factor, rank };
  }
  return stats.factor;
}

/** tr((S_a S_b)^(1/2)) for two covariance matrices given by their statistics. */
export function traceSqrtProduct(
  a: FeatureStatistics,
  b: FeatureStatistics,
  method: 'auto' | 'jacobi' | 'eigen' = 'auto',
): number {
  const fa = factorOf(a);
  const fb = factorOf(b);
  if (fa.rank === 0 || fb.rank === 0) return 0;
  const m = matTmul(fa.values, fb.values, a.dims, fa.rank, fb.rank);
  // Up to a few hundred: singular values directly (full relative accuracy for the small ones).
  if (method === 'jacobi' || (method === 'auto' && Math.min(fa.rank, fb.rank) <= JACOBI_LIMIT))
    return nuclearNormJacobi(m, fa.rank, fb.rank);
  const small = fa.rank <= fb.rank;
  const g = small ? gramRows(m, fa.rank, fb.rank) : gramRows(transpose(m, fa.rank, fb.rank), fb.rank, fa.rank);
  const eig = symmetricEigenvalues(g, small ? fa.rank : fb.rank);
  let sum = 0;
  for (const lambda of eig) if (lambda > 0) sum += Math.sqrt(lambda);
  return sum;
}

/** Checks that a covariance is a finite symmetric [dims, dims] matrix and a mean has `dims` entries. */
function checkStats(s: FeatureStatistics, what: string): void {
  if (s.mean.length !== s.dims || s.covariance.length !== s.dims * s.dims) {
    throw new InvalidArgumentError(
      `frechetDistance: ${what} statistics are inconsistent (mean ${s.mean.length}, covariance ${s.covariance.length}, dims ${s.dims})`,
    );
  }
  for (let i = 0; i < s.dims; i++) {
    for (let j = 0; j < i; j++) {
      const x = s.covariance[i * s.dims + j];
      const y = s.covariance[j * s.dims + i];
      if (Math.abs(x - y) > 1e-9 * (Math.abs(x) + Math.abs(y)) + 1e-300) {
        throw new InvalidArgumentError(`frechetDistance: ${what} covariance is not symmetric at (${i}, ${j})`);
      }
    }
  }
}

/**
 * Squared Frechet distance between N(mu_a, S_a) and N(mu_b, S_b). Exactly 0 up to rounding for equal
 * statistics; never negative (rounding below 0 is clamped).
 */
export function frechetDistance(a: FeatureStatistics, b: FeatureStatistics): number {
  if (a.dims !== b.dims)
    throw new InvalidArgumentError(`frechetDistance: feature sizes differ, ${a.dims} vs ${b.dims}`);
  checkStats(a, 'first');
  checkStats(b, 'second');
  let meanTerm = 0;
  let traces = 0;
  for (let i = 0; i < a.dims; i++) {
    meanTerm += (a.mean[i] - b.mean[i]) ** 2;
    traces += a.covariance[i * a.dims + i] + b.covariance[i * b.dims + i];
  }
  const value = meanTerm + traces - 2 * traceSqrtProduct(a, b);
  return Math.max(0, value);
}

/** Statistics from a mean and a covariance given directly (e.g. precomputed reference statistics). */
export function gaussianStatistics(mean: ArrayLike<number>, covariance: ArrayLike<number>): FeatureStatistics {
  const dims = mean.length;
  if (covariance.length !== dims * dims) {
    throw new InvalidArgumentError(
      `gaussianStatistics: covariance needs ${dims * dims} entries for a mean of ${dims}, got ${covariance.length}`,
    );
  }
  const m = Float64Array.from(mean);
  const c = Float64Array.from(covariance);
  for (const v of c)
    if (!Number.isFinite(v)) throw new InvalidArgumentError('gaussianStatistics: covariance holds NaN or Infinity');
  for (const v of m)
    if (!Number.isFinite(v)) throw new InvalidArgumentError('gaussianStatistics: mean holds NaN or Infinity');
  return { dims, count: Number.NaN, mean: m, covariance: c };
}
