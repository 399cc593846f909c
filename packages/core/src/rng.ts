import { InvalidArgumentError } from './errors.js';
import { tf } from './tf.js';

/**
 * A seeded random number generator (sfc32, seeded through splitmix32). Every sampler and trainer in
 * scalespace takes a seed and draws from one of these, so the same seed on the same backend gives
 * the same numbers. `fork(label)` derives an independent stream, so adding draws in one part of a
 * program does not shift another part's numbers.
 */
export interface Rng {
  /** The seed this generator was made from. */
  readonly seed: number;
  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number;
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Standard normal (Box-Muller). */
  normal(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Fisher-Yates shuffle in place; returns the array. */
  shuffle<T>(items: T[]): T[];
  /** An independent generator derived from this one's seed and a label. */
  fork(label: string | number): Rng;
  /** A float32 tensor of normals with the given mean and standard deviation. */
  normalTensor(shape: number[], options?: { mean?: number; std?: number }): tf.Tensor;
  /** A float32 tensor uniform in [min, max). */
  uniformTensor(shape: number[], options?: { min?: number; max?: number }): tf.Tensor;
}

function hashString(text: string): number {
  // FNV-1a, 32 bits.
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function toSeed(seed: number | string): number {
  if (typeof seed === 'string') return hashString(seed);
  if (!Number.isFinite(seed)) throw new InvalidArgumentError(`seed must be a finite number or a string, got ${seed}`);
  // Fold the integer part (any size) into 32 bits.
  const whole = Math.trunc(seed);
  return (whole ^ Math.floor(whole / 0x100000000)) >>> 0;
}

/** Creates a seeded generator. Numbers and strings are both valid seeds. */
export function rng(seed: number | string): Rng {
  const base = toSeed(seed);
  const init = splitmix32(base);
  let a = init();
  let b = init();
  let c = init();
  let d = init();
  let spare: number | null = null;

  const nextUint32 = () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t;
  };
  // Discard the first outputs: sfc32 mixes slowly from nearby seeds.
  for (let i = 0; i < 12; i++) nextUint32();

  const uniform = () => nextUint32() / 0x100000000;
  const normal = () => {
    if (spare !== null) {
      const v = spare;
      spare = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = uniform();
    const v = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
  const size = (shape: number[]) => shape.reduce((p, q) => p * q, 1);

  const self: Rng = {
    seed: base,
    nextUint32,
    uniform,
    normal,
    int(n) {
      if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`int(n) needs a positive integer n, got ${n}`);
      return Math.floor(uniform() * n);
    },
    shuffle(items) {
      for (let i = items.length - 1; i > 0; i--) {
        const j = Math.floor(uniform() * (i + 1));
        const t = items[i];
        items[i] = items[j];
        items[j] = t;
      }
      return items;
    },
    fork(label) {
      return rng((base ^ hashString(String(label)) ^ 0x5bd1e995) >>> 0);
    },
    normalTensor(shape, { mean = 0, std = 1 } = {}) {
      const values = new Float32Array(size(shape));
      for (let i = 0; i < values.length; i++) values[i] = mean + std * normal();
      return tf.tensor(values, shape, 'float32');
    },
    uniformTensor(shape, { min = 0, max = 1 } = {}) {
      const values = new Float32Array(size(shape));
      for (let i = 0; i < values.length; i++) values[i] = min + (max - min) * uniform();
      return tf.tensor(values, shape, 'float32');
    },
  };
  return self;
}
