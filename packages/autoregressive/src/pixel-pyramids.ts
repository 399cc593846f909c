import {
  InvalidArgumentError,
  InvalidImageError,
  type LongWorkOptions,
  Module,
  rng as makeRng,
  ProgressTracker,
  type Rng,
  tf,
  throwIfAborted,
  yieldToEventLoop,
} from '@scalespace/core';
import { type PairedLevel, pairedLevelSizes, pairedPyramid, reconstructPaired } from '@scalespace/pyramids';
import { ConditionalLevel, type FineValues } from './conditional-level.js';
import { PixelCNN, type SampleResult } from './pixelcnn.js';

// PixelPyramids (Mahajan & Roth 2021): an exact-likelihood model on the lossless paired pyramid.
// log p(x) = log p(coarsest) + sum over levels of log p(fine_l | coarse_l); the coarsest image is
// modelled by a PixelCNN++, each finer level by a ConditionalLevel. Sampling runs coarse to fine:
// h0 * w0 steps for the coarsest image, then 4^k steps per level: O(log N) sequential steps.

export interface PixelPyramidsConfig {
  height: number;
  width: number;
  channels: number;
  bits: number;
  components: number;
  /** Stop the pyramid when both sides are at most this (default 4). */
  coarsest: number;
  /** PixelCNN++ on the coarsest image. */
  coarseModel: { filters: number; resnets: number; dropout?: number };
  /** Conditional models of the finer levels (`values`, `rotate`: see ConditionalLevelConfig). */
  level: { filters: number; blocks: number; values?: FineValues; rotate?: boolean };
  /** Squeeze exponent k per fine level, finest first (a number applies to all). */
  squeeze: number | number[];
}

export interface SampleOptions extends LongWorkOptions {
  n: number;
  temperature?: number;
  seed?: number;
}

export class PixelPyramids extends Module {
  readonly config: PixelPyramidsConfig;
  readonly coarseModel: PixelCNN;
  /** Conditional models, finest level first (levels[0] models fine_1). */
  readonly levels: ConditionalLevel[];
  /** Per fine level (finest first): the split axis and the [h, w] of its fine and coarse images. */
  readonly geometry: Array<{ axis: 'rows' | 'columns'; height: number; width: number; k: number }>;

  constructor(config: PixelPyramidsConfig, rng: Rng) {
    super();
    const { height, width, channels, bits, components, coarsest } = config;
    for (const [v, name] of [
      [height, 'height'],
      [width, 'width'],
      [channels, 'channels'],
      [coarsest, 'coarsest'],
    ] as const) {
      if (!Number.isInteger(v) || v < 1)
        throw new InvalidArgumentError(`PixelPyramids ${name} must be a positive integer, got ${v}`);
    }
    this.config = config;
    const sizes = pairedLevelSizes(height, width, { coarsest });
    const ks = Array.isArray(config.squeeze) ? config.squeeze : sizes.map(() => config.squeeze as number);
    if (ks.length !== sizes.length) {
      throw new InvalidArgumentError(
        `PixelPyramids: squeeze lists ${ks.length} levels, the pyramid has ${sizes.length}`,
      );
    }
    this.geometry = sizes.map((s, i) => {
      const f = 2 ** ks[i];
      if (s.height % f || s.width % f) {
        throw new InvalidArgumentError(
          `PixelPyramids: level ${i + 1} (${s.height}x${s.width}) cannot be squeezed by 2^${ks[i]}; lower its k`,
        );
      }
      return { axis: s.axis, height: s.height, width: s.width, k: ks[i] };
    });
    const last = sizes[sizes.length - 1] ?? { height, width };
    this.coarseModel = this.child(
      'coarse',
      new PixelCNN({ channels, bits, components, ...config.coarseModel }, rng.fork('coarse')),
    );
    this.levels = this.childList(
      'levels',
      this.geometry.map(
        (g, i) => new ConditionalLevel({ channels, bits, components, k: g.k, ...config.level }, rng.fork(`level${i}`)),
      ),
    );
    this.#coarsestSize = [last.height, last.width];
  }

  readonly #coarsestSize: [number, number];

  /** [h, w] of the coarsest image. */
  get coarsestSize(): [number, number] {
    return this.#coarsestSize;
  }

  /** Sequential network evaluations of one `sample` call: h0 * w0 + sum of 4^k. */
  get sequentialSteps(): number {
    return this.#coarsestSize[0] * this.#coarsestSize[1] + this.levels.reduce((s, l) => s + l.subImages, 0);
  }

  #check(x: tf.Tensor) {
    const { height, width, channels } = this.config;
    if (x.rank !== 4 || x.shape[1] !== height || x.shape[2] !== width || x.shape[3] !== channels) {
      throw new InvalidImageError(
        `PixelPyramids: expected int32 [N, ${height}, ${width}, ${channels}], got [${x.shape.join(', ')}]`,
      );
    }
  }

  /** log p(x) per image [N] in nats, exact. x: int32 [N, H, W, C] with values 0..2^bits-1. */
  logProb(x: tf.Tensor): tf.Tensor1D {
    this.#check(x);
    return tf.tidy(() => {
      let current = x;
      let total: tf.Tensor = tf.zeros([x.shape[0]]);
      for (const level of this.levels) {
        const p = pairedPyramid(current, { bits: this.config.bits, levels: 1 });
        total = tf.add(total, level.logProb(p.coarse, p.levels[0].fine));
        current = p.coarse;
      }
      return tf.add(total, this.coarseModel.logProb(current)) as tf.Tensor1D;
    });
  }

  /** Negative log-likelihood in bits per dimension, averaged over the batch. */
  async bitsPerDim(x: tf.Tensor): Promise<number> {
    const { height, width, channels } = this.config;
    const mean = tf.tidy(() => tf.mean(this.logProb(x)));
    const [value] = await mean.data();
    mean.dispose();
    return -value / (height * width * channels * Math.LN2);
  }

  /** Finer levels from `fromLevel` (index into `levels`, counting from the finest) down to level 0, given a coarse image. */
  async #refine(
    coarse: tf.Tensor,
    fromLevel: number,
    rng: Rng,
    temperature: number,
    options: LongWorkOptions,
    done: number,
    total: number,
    tracker: ProgressTracker,
  ) {
    let current = coarse;
    let evaluations = 0;
    for (let l = fromLevel; l >= 0; l--) {
      throwIfAborted(options.signal, 'PixelPyramids sampling');
      const { fine, evaluations: e } = await this.levels[l].sample(current, { rng, temperature });
      evaluations += e;
      const levels: PairedLevel[] = [{ axis: this.geometry[l].axis, fine }];
      const next = reconstructPaired({ bits: this.config.bits, coarse: current, levels });
      fine.dispose();
      if (current !== coarse) current.dispose();
      current = next;
      tracker.report(Math.min(total, done + evaluations));
      await yieldToEventLoop();
    }
    return { images: current === coarse ? tf.clone(coarse) : current, evaluations };
  }

  /** Draws images coarse to fine. Reports the number of sequential network evaluations. */
  async sample(options: SampleOptions): Promise<SampleResult> {
    const { n, temperature = 1, seed = 0 } = options;
    if (!Number.isInteger(n) || n < 1)
      throw new InvalidArgumentError(`PixelPyramids.sample: n must be a positive integer, got ${n}`);
    const started = performance.now();
    const rng = makeRng(seed);
    const wasTraining = this.training;
    this.eval();
    try {
      const [h0, w0] = this.#coarsestSize;
      const tracker = new ProgressTracker(this.sequentialSteps, { onProgress: options.onProgress });
      const coarse = await this.coarseModel.sample({
        n,
        height: h0,
        width: w0,
        temperature,
        seed: rng.nextUint32(),
        signal: options.signal,
      });
      tracker.report(coarse.networkEvaluations);
      const { images, evaluations } = await this.#refine(
        coarse.images,
        this.levels.length - 1,
        rng,
        temperature,
        options,
        coarse.networkEvaluations,
        this.sequentialSteps,
        tracker,
      );
      coarse.images.dispose();
      return {
        images: images as tf.Tensor4D,
        networkEvaluations: coarse.networkEvaluations + evaluations,
        seconds: (performance.now() - started) / 1000,
      };
    } finally {
      this.train(wasTraining);
    }
  }

  /**
   * Super-resolution: given a coarse image (int32 [N, h, w, C] or [h, w, C], the size of one of the
   * pyramid's levels), samples only the finer levels. Every output reproduces the coarse input exactly
   * at that level of its paired pyramid.
   */
  async superResolve(
    coarse: tf.Tensor,
    options: Omit<SampleOptions, 'n'> = {},
  ): Promise<SampleResult & { levels: number }> {
    const batched = coarse.rank === 4 ? coarse : tf.expandDims(coarse, 0);
    const [, h, w, c] = batched.shape;
    const from = this.geometry.findIndex((g) => g.height === h && g.width === w);
    if (from < 0 || c !== this.config.channels) {
      if (batched !== coarse) batched.dispose();
      const sizes = this.geometry.map((g) => `${g.height}x${g.width}`).join(', ');
      throw new InvalidImageError(
        `superResolve: a ${h}x${w}x${c} image is not a level of this ${this.config.height}x${this.config.width} pyramid; use one of ${sizes} with ${this.config.channels} channel(s)`,
      );
    }
    const started = performance.now();
    const rng = makeRng(options.seed ?? 0);
    const wasTraining = this.training;
    this.eval();
    try {
      const steps = this.levels.slice(0, from + 1).reduce((s, l) => s + l.subImages, 0);
      const tracker = new ProgressTracker(steps, { onProgress: options.onProgress });
      const { images, evaluations } = await this.#refine(
        batched,
        from,
        rng,
        options.temperature ?? 1,
        options,
        0,
        steps,
        tracker,
      );
      const out = coarse.rank === 4 ? images : tf.tidy(() => tf.squeeze(images, [0]));
      if (out !== images) images.dispose();
      return {
        images: out as tf.Tensor4D,
        networkEvaluations: evaluations,
        seconds: (performance.now() - started) / 1000,
        levels: from + 1,
      };
    } finally {
      if (batched !== coarse) batched.dispose();
      this.train(wasTraining);
    }
  }
}
