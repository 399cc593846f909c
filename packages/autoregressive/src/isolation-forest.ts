import { InvalidArgumentError, rng as makeRng, type Rng } from '@scalespace/core';

// Isolation Forest (Liu, Ting, Zhou 2008): random axis-aligned splits isolate outliers in fewer steps
// than inliers. Each tree is grown on a subsample of psi points to depth ceil(log2 psi); the anomaly score
// of x is 2^(-E[h(x)] / c(psi)), with h the path length and c(n) the average path length of an
// unsuccessful search in a binary search tree of n points. Scores near 1 are anomalies, below 0.5 normal.

type Node = { leaf: true; size: number } | { leaf: false; feature: number; split: number; left: Node; right: Node };

/** Average path length of an unsuccessful BST search over n points. */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  const harmonic = Math.log(n - 1) + 0.5772156649015329;
  return 2 * harmonic - (2 * (n - 1)) / n;
}

function grow(points: Float64Array[], depth: number, limit: number, r: Rng): Node {
  if (depth >= limit || points.length <= 1) return { leaf: true, size: points.length };
  const dims = points[0].length;
  // Pick a feature that varies among these points (give up after a few tries: all equal -> leaf).
  for (let attempt = 0; attempt < 8; attempt++) {
    const feature = r.int(dims);
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const p of points) {
      lo = Math.min(lo, p[feature]);
      hi = Math.max(hi, p[feature]);
    }
    if (hi <= lo) continue;
    const split = lo + r.uniform() * (hi - lo);
    const left = points.filter((p) => p[feature] < split);
    const right = points.filter((p) => p[feature] >= split);
    return {
      leaf: false,
      feature,
      split,
      left: grow(left, depth + 1, limit, r),
      right: grow(right, depth + 1, limit, r),
    };
  }
  return { leaf: true, size: points.length };
}

function pathLength(node: Node, x: ArrayLike<number>, depth: number): number {
  if (node.leaf) return depth + averagePathLength(node.size);
  return pathLength(x[node.feature] < node.split ? node.left : node.right, x, depth + 1);
}

export interface IsolationForestOptions {
  trees?: number;
  /** Subsample size psi per tree (default 256). */
  sampleSize?: number;
  seed?: number;
}

export class IsolationForest {
  readonly #trees: Node[];
  readonly #psi: number;

  /** Grows the forest on rows of equal length. */
  constructor(points: ArrayLike<number>[], options: IsolationForestOptions = {}) {
    const { trees = 100, sampleSize = 256, seed = 0 } = options;
    if (points.length < 2)
      throw new InvalidArgumentError(`IsolationForest needs at least 2 points, got ${points.length}`);
    const dims = points[0].length;
    if (points.some((p) => p.length !== dims))
      throw new InvalidArgumentError('IsolationForest: all points need the same number of features');
    const r = makeRng(seed);
    const data = points.map((p) => Float64Array.from(p));
    this.#psi = Math.min(sampleSize, data.length);
    const limit = Math.ceil(Math.log2(this.#psi));
    this.#trees = Array.from({ length: trees }, () => {
      const sample = r
        .shuffle([...data.keys()])
        .slice(0, this.#psi)
        .map((i) => data[i]);
      return grow(sample, 0, limit, r);
    });
  }

  /** Anomaly scores in (0, 1]: about 1 for outliers, clearly below 0.5 for inliers. */
  score(points: ArrayLike<number>[]): Float64Array {
    const c = averagePathLength(this.#psi);
    return Float64Array.from(points, (p) => {
      const mean = this.#trees.reduce((s, t) => s + pathLength(t, p, 0), 0) / this.#trees.length;
      return 2 ** (-mean / c);
    });
  }
}
