// Dense float64 linear algebra for the Frechet distance: just what it needs, in plain JS so the
// numbers do not depend on a backend's float32 kernels. Matrices are row-major Float64Arrays.

const EPS = Number.EPSILON;

/** C = A^T B for A [k, m] and B [k, n] (row-major): C is [m, n]. */
export function matTmul(a: Float64Array, b: Float64Array, k: number, m: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let p = 0; p < k; p++) {
    const ao = p * m;
    const bo = p * n;
    for (let i = 0; i < m; i++) {
      const v = a[ao + i];
      if (v === 0) continue;
      const co = i * n;
      for (let j = 0; j < n; j++) c[co + j] += v * b[bo + j];
    }
  }
  return c;
}

/** G = M M^T for M [m, n] (row-major): the symmetric [m, m] Gram matrix of M's rows. */
export function gramRows(mat: Float64Array, m: number, n: number): Float64Array {
  const g = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    const io = i * n;
    for (let j = 0; j <= i; j++) {
      const jo = j * n;
      let s = 0;
      for (let p = 0; p < n; p++) s += mat[io + p] * mat[jo + p];
      g[i * m + j] = s;
      g[j * m + i] = s;
    }
  }
  return g;
}

/** Transposes a row-major [m, n] matrix into [n, m]. */
export function transpose(mat: Float64Array, m: number, n: number): Float64Array {
  const t = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) t[j * m + i] = mat[i * n + j];
  return t;
}

/**
 * Pivoted (rank-revealing) Cholesky of a symmetric positive semi-definite [n, n] matrix: S = F F^T with
 * F [n, r], stopping when the largest remaining diagonal falls below n * eps * max(diag S). Singular
 * and rank-deficient covariances (fewer samples than dimensions) are handled; a clearly indefinite
 * matrix (a negative pivot beyond rounding) throws.
 */
export function pivotedCholesky(s: Float64Array, n: number): { factor: Float64Array; rank: number } {
  const diag = new Float64Array(n);
  let maxDiag = 0;
  for (let i = 0; i < n; i++) {
    diag[i] = s[i * n + i];
    maxDiag = Math.max(maxDiag, Math.abs(diag[i]));
  }
  const tol = n * EPS * maxDiag;
  const columns: Float64Array[] = [];
  const used = new Uint8Array(n);
  for (let r = 0; r < n; r++) {
    let pivot = -1;
    let best = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      if (!used[i] && diag[i] > best) {
        best = diag[i];
        pivot = i;
      }
    }
    if (pivot < 0 || best <= tol) break;
    used[pivot] = 1;
    const root = Math.sqrt(best);
    const col = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      if (used[i] && i !== pivot) continue;
      let v = s[i * n + pivot];
      for (const prev of columns) v -= prev[i] * prev[pivot];
      col[i] = v / root;
    }
    col[pivot] = root;
    for (let i = 0; i < n; i++) if (!used[i]) diag[i] -= col[i] * col[i];
    columns.push(col);
  }
  const rank = columns.length;
  const factor = new Float64Array(n * rank);
  columns.forEach((col, j) => {
    for (let i = 0; i < n; i++) factor[i * rank + j] = col[i];
  });
  return { factor, rank };
}

/**
 * Eigenvalues of a symmetric [n, n] matrix (the input is overwritten): Householder reduction to
 * tridiagonal form, then implicit symmetric QR steps with Wilkinson shifts. Unsorted.
 */
export function symmetricEigenvalues(a: Float64Array, n: number): Float64Array {
  const d = new Float64Array(n);
  const e = new Float64Array(Math.max(0, n - 1));
  const v = new Float64Array(n);
  const p = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    // Householder vector for column k below the diagonal.
    let norm = 0;
    for (let i = k + 1; i < n; i++) norm += a[i * n + k] * a[i * n + k];
    norm = Math.sqrt(norm);
    d[k] = a[k * n + k];
    if (norm === 0) {
      e[k] = 0;
      continue;
    }
    const x0 = a[(k + 1) * n + k];
    const alpha = x0 > 0 ? -norm : norm;
    let vtv = 0;
    for (let i = k + 1; i < n; i++) {
      v[i] = a[i * n + k];
      if (i === k + 1) v[i] -= alpha;
      vtv += v[i] * v[i];
    }
    e[k] = alpha;
    if (vtv === 0) continue;
    const beta = 2 / vtv;
    // p = beta A22 v, K = beta/2 v^T p, q = p - K v; A22 -= v q^T + q v^T.
    let vp = 0;
    for (let i = k + 1; i < n; i++) {
      let s = 0;
      const io = i * n;
      for (let j = k + 1; j < n; j++) s += a[io + j] * v[j];
      p[i] = beta * s;
      vp += v[i] * p[i];
    }
    const kk = (beta * vp) / 2;
    for (let i = k + 1; i < n; i++) p[i] -= kk * v[i];
    for (let i = k + 1; i < n; i++) {
      const io = i * n;
      const vi = v[i];
      const qi = p[i];
      for (let j = k + 1; j < n; j++) a[io + j] -= vi * p[j] + qi * v[j];
    }
  }
  if (n >= 2) {
    d[n - 2] = a[(n - 2) * n + (n - 2)];
    e[n - 2] = a[(n - 1) * n + (n - 2)];
  }
  if (n >= 1) d[n - 1] = a[(n - 1) * n + (n - 1)];
  tridiagonalEigenvalues(d, e);
  return d;
}

/** Eigenvalues of the symmetric tridiagonal matrix (diagonal d, off-diagonal e), in place in d. */
export function tridiagonalEigenvalues(d: Float64Array, e: Float64Array): void {
  const n = d.length;
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(d[i]), i < n - 1 ? Math.abs(e[i]) : 0);
  const floor = EPS * EPS * scale;
  const negligible = (i: number) => Math.abs(e[i]) <= EPS * (Math.abs(d[i]) + Math.abs(d[i + 1])) + floor;
  let hi = n - 1;
  let iterations = 0;
  while (hi > 0) {
    if (negligible(hi - 1)) {
      e[hi - 1] = 0;
      hi--;
      continue;
    }
    if (++iterations > 60 * n) throw new Error('tridiagonalEigenvalues: QR iteration did not converge');
    let lo = hi - 1;
    while (lo > 0 && !negligible(lo - 1)) lo--;
    // Wilkinson shift from the trailing 2x2 block.
    const delta = (d[hi - 1] - d[hi]) / 2;
    const b = e[hi - 1];
    const mu = d[hi] - (b * b) / (delta + (delta >= 0 ? 1 : -1) * Math.hypot(delta, b));
    let x = d[lo] - mu;
    let z = e[lo];
    for (let k = lo; k < hi; k++) {
      const r = Math.hypot(x, z);
      const c = r === 0 ? 1 : x / r;
      const s = r === 0 ? 0 : z / r;
      if (k > lo) e[k - 1] = r;
      const ak = d[k];
      const bk = e[k];
      const ck = d[k + 1];
      d[k] = c * c * ak + 2 * c * s * bk + s * s * ck;
      d[k + 1] = s * s * ak - 2 * c * s * bk + c * c * ck;
      e[k] = c * s * (ck - ak) + (c * c - s * s) * bk;
      if (k + 1 < hi) {
        z = s * e[k + 1];
        e[k + 1] *= c;
        x = e[k];
      }
    }
  }
}

/**
 * Sum of the singular values (nuclear norm) of a row-major [m, n] matrix by one-sided Jacobi
 * (Hestenes) rotations: the small singular values keep full relative accuracy, unlike the square
 * roots of the eigenvalues of M M^T. O(m n min(m, n)) per sweep; meant for min(m, n) up to a few hundred.
 */
export function nuclearNormJacobi(mat: Float64Array, m: number, n: number): number {
  // Work on the columns of whichever orientation has fewer of them.
  const q = Math.min(m, n);
  const p = Math.max(m, n);
  const cols: Float64Array[] = Array.from({ length: q }, () => new Float64Array(p));
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      if (n <= m) cols[j][i] = mat[i * n + j];
      else cols[i][j] = mat[i * n + j];
    }
  for (let sweep = 0; sweep < 80; sweep++) {
    let rotated = false;
    for (let i = 0; i < q - 1; i++) {
      const ai = cols[i];
      for (let j = i + 1; j < q; j++) {
        const aj = cols[j];
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let k = 0; k < p; k++) {
          alpha += ai[k] * ai[k];
          beta += aj[k] * aj[k];
          gamma += ai[k] * aj[k];
        }
        if (gamma === 0 || Math.abs(gamma) <= EPS * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let k = 0; k < p; k++) {
          const x = ai[k];
          const y = aj[k];
          ai[k] = c * x - s * y;
          aj[k] = s * x + c * y;
        }
      }
    }
    if (!rotated) break;
  }
  let sum = 0;
  for (const col of cols) {
    let s = 0;
    for (const v of col) s += v * v;
    sum += Math.sqrt(s);
  }
  return sum;
}
