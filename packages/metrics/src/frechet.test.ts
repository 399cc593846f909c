import { readFileSync } from 'node:fs';
import { rng } from '@scalespace/core';
import { describe, expect, it } from 'vitest';
import { featureStatistics, frechetDistance, gaussianStatistics, traceSqrtProduct } from './frechet.js';
import { kernelDistance } from './kid.js';
import { pivotedCholesky, symmetricEigenvalues } from './linalg.js';

interface Case {
  name: string;
  dims: number;
  a: string;
  b: string;
  fid: number;
  fidEigh: number;
  fidExact: number;
  kid?: number;
}
const reference = JSON.parse(readFileSync(new URL('../fixtures/frechet-reference.json', import.meta.url), 'utf8')) as {
  cases: Case[];
};
const floats = (b64: string) => {
  const bytes = Buffer.from(b64, 'base64');
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice();
};

describe('Frechet distance against numpy / scipy', () => {
  it.each(reference.cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const a = featureStatistics(floats(c.a), c.dims);
    const b = featureStatistics(floats(c.b), c.dims);
    const value = frechetDistance(a, b);
    // Against 40-digit arithmetic (mpmath), numpy's eigh route and scipy's sqrtm (the last two lose up
    // to 4e-7 on the ill-conditioned case, the rounding of the small eigenvalues of S_a S_b).
    expect(Math.abs(value - c.fidExact) / c.fidExact).toBeLessThan(1e-10);
    expect(Math.abs(value - c.fidEigh) / c.fidEigh).toBeLessThan(1e-6);
    expect(Math.abs(value - c.fid) / c.fid).toBeLessThan(1e-6);
    // The eigenvalue route used for large ranks: the same to rounding of M M^T.
    let meanTerm = 0;
    let traces = 0;
    for (let i = 0; i < c.dims; i++) {
      meanTerm += (a.mean[i] - b.mean[i]) ** 2;
      traces += a.covariance[i * c.dims + i] + b.covariance[i * c.dims + i];
    }
    const eigen = meanTerm + traces - 2 * traceSqrtProduct(a, b, 'eigen');
    expect(Math.abs(eigen - c.fidExact) / c.fidExact).toBeLessThan(1e-6);
    // Against itself: 0 (scipy's sqrtm leaves up to 3e-6 here).
    expect(frechetDistance(a, featureStatistics(floats(c.a), c.dims))).toBeLessThan(1e-9 * c.fid);
    if (c.kid !== undefined) {
      const k = kernelDistance(floats(c.a), floats(c.b), c.dims, { subsets: 1 });
      expect(Math.abs(k.kid - c.kid) / Math.abs(c.kid)).toBeLessThan(1e-9);
      expect(k.std).toBe(0);
    }
  });
});

describe('Frechet distance: closed forms', () => {
  it('diagonal covariances: sum of (sqrt(a) - sqrt(b))^2 plus the squared mean difference', () => {
    const va = [1, 4, 0.25, 9, 0];
    const vb = [4, 1, 1, 0.01, 2];
    const diag = (v: number[]) => v.flatMap((x, i) => v.map((_, j) => (i === j ? x : 0)));
    const a = gaussianStatistics([0, 1, 2, 3, 4], diag(va));
    const b = gaussianStatistics([1, 1, 2, 3, 2], diag(vb));
    const expected = 1 + 4 + va.reduce((s, x, i) => s + (Math.sqrt(x) - Math.sqrt(vb[i])) ** 2, 0);
    expect(frechetDistance(a, b)).toBeCloseTo(expected, 12);
  });

  it('commuting covariances (shared eigenvectors): sum of (sqrt(lambda) - sqrt(mu))^2', () => {
    // A random rotation Q; S_a = Q diag(l) Q^T, S_b = Q diag(m) Q^T.
    const n = 6;
    const r = rng(3);
    const m0 = Array.from({ length: n * n }, () => r.normal());
    // Gram-Schmidt for Q.
    const q: number[][] = [];
    for (let i = 0; i < n; i++) {
      const v = m0.slice(i * n, i * n + n);
      for (const u of q) {
        const d = u.reduce((s, x, k) => s + x * v[k], 0);
        for (let k = 0; k < n; k++) v[k] -= d * u[k];
      }
      const norm = Math.hypot(...v);
      q.push(v.map((x) => x / norm));
    }
    const l = [3, 2, 1, 0.5, 0.1, 0];
    const mu = [1, 1, 4, 0.5, 2, 0.3];
    const build = (e: number[]) =>
      Array.from({ length: n * n }, (_, idx) => {
        const i = Math.floor(idx / n);
        const j = idx % n;
        return e.reduce((s, x, k) => s + x * q[k][i] * q[k][j], 0);
      });
    const sym = (m: number[]) => m.map((_, idx) => (m[idx] + m[(idx % n) * n + Math.floor(idx / n)]) / 2);
    const a = gaussianStatistics(new Array(n).fill(0), sym(build(l)));
    const b = gaussianStatistics(new Array(n).fill(0), sym(build(mu)));
    const expected = l.reduce((s, x, k) => s + (Math.sqrt(x) - Math.sqrt(mu[k])) ** 2, 0);
    expect(frechetDistance(a, b)).toBeCloseTo(expected, 10);
  });

  it('one dimension: (m1 - m2)^2 + (s1 - s2)^2; identical statistics give 0', () => {
    const a = gaussianStatistics([2], [9]);
    const b = gaussianStatistics([-1], [4]);
    expect(frechetDistance(a, b)).toBeCloseTo(9 + 1, 12);
    expect(frechetDistance(a, gaussianStatistics([2], [9]))).toBeLessThan(1e-12);
    expect(traceSqrtProduct(a, b)).toBeCloseTo(6, 12);
  });

  it('bad inputs give clear errors', () => {
    expect(() => featureStatistics(new Float32Array(4), 4)).toThrow(/at least 2 feature vectors/);
    expect(() => featureStatistics(new Float32Array(7), 4)).toThrow(/do not split/);
    expect(() => featureStatistics(Float32Array.from([1, Number.NaN, 0, 0]), 2)).toThrow(/NaN/);
    expect(() => frechetDistance(gaussianStatistics([0], [1]), gaussianStatistics([0, 0], [1, 0, 0, 1]))).toThrow(
      /differ/,
    );
    expect(() =>
      frechetDistance(gaussianStatistics([0, 0], [1, 2, 0, 1]), gaussianStatistics([0, 0], [1, 0, 0, 1])),
    ).toThrow(/not symmetric/);
    expect(() => kernelDistance(new Float32Array(2), new Float32Array(8), 2)).toThrow(/at least 2 vectors/);
  });
});

describe('linear algebra', () => {
  it('symmetric eigenvalues match the characteristic structure (trace, Frobenius norm, known spectrum)', () => {
    const n = 40;
    const r = rng(9);
    const m = Float64Array.from({ length: n * n }, () => r.normal());
    const s = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s[i * n + j] = m[i * n + j] + m[j * n + i];
    let trace = 0;
    let frob = 0;
    for (let i = 0; i < n; i++) trace += s[i * n + i];
    for (const v of s) frob += v * v;
    const eig = symmetricEigenvalues(Float64Array.from(s), n);
    expect(eig.reduce((p, q) => p + q, 0)).toBeCloseTo(trace, 9);
    expect(eig.reduce((p, q) => p + q * q, 0)).toBeCloseTo(frob, 8);
    // The second-difference matrix tridiag(-1, 2, -1) has eigenvalues 2 - 2 cos(k pi / (n + 1)).
    const t = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      t[i * n + i] = 2;
      if (i > 0) t[i * n + i - 1] = t[(i - 1) * n + i] = -1;
    }
    const got = Array.from(symmetricEigenvalues(t, n)).sort((x, y) => x - y);
    for (const [k, v] of got.entries()) expect(v).toBeCloseTo(2 - 2 * Math.cos(((k + 1) * Math.PI) / (n + 1)), 12);
  });

  it('pivoted Cholesky reproduces a rank-deficient PSD matrix and finds its rank', () => {
    const n = 12;
    const rank = 5;
    const r = rng(4);
    const f = Float64Array.from({ length: n * rank }, () => r.normal());
    const s = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) for (let k = 0; k < rank; k++) s[i * n + j] += f[i * rank + k] * f[j * rank + k];
    const { factor, rank: found } = pivotedCholesky(s, n);
    expect(found).toBe(rank);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let v = 0;
        for (let k = 0; k < found; k++) v += factor[i * found + k] * factor[j * found + k];
        expect(v).toBeCloseTo(s[i * n + j], 10);
      }
  });
});
