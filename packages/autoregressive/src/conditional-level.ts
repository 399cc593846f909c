import {
  Conv2d,
  InvalidArgumentError,
  logisticMixtureLogProb,
  logisticMixtureParamCount,
  logisticMixtureSample,
  Module,
  type Rng,
  tf,
} from '@scalespace/core';
import { squeeze, unsqueeze } from '@scalespace/pyramids';
import { ConvLstmCell, type ConvLstmState } from './conv-lstm.js';
import { toUnitScale } from './pixelcnn.js';

// One level of PixelPyramids: p(fine | coarse). The fine image is squeezed into S = 4^k sub-images,
// modelled one after another; pixels inside a sub-image are conditionally independent given the
// coarse image and the earlier sub-images, so sampling a level takes S network evaluations.
//
// How sub-image t sees sub-images 0..t-1 (`context`): 'masked' (default) is one convolutional
// predictor shared by all sub-images, reading [coarse-image features, the earlier sub-images (later
// ones zeroed), a mask saying which are visible]; training evaluates all S predictions in one batch.
// 'convlstm' is the paper's design: a ConvLSTM steps through the sub-images, reading [features, the
// previous sub-image, which step], and its hidden state feeds the same head. README: measured choice.
// The coarse features come from a small residual conv encoder at the level's full resolution, squeezed
// the same way as the fine image (at these sizes, <= 32 px, a few 3x3 layers see the whole image, which
// is what the paper's per-level U-Net provides at larger sizes).

export interface ConditionalLevelConfig {
  channels: number;
  bits: number;
  components: number;
  /** Squeeze exponent: S = 4^k sub-images. */
  k: number;
  /** Feature channels of the encoder and predictor. */
  filters: number;
  /** Residual blocks in the predictor. */
  blocks: number;
  /**
   * What the mixture models (each a bijection of the fine value for a given coarse image, so the
   * likelihood stays exact):
   * - 'difference': the pyramid's fine value (p1 - p2 + n/2) mod n as stored;
   * - 'rotated': that value rotated by n/2, so "no difference" lands on 0, the edge bin of the
   *   discretized logistic, which also holds its whole lower tail;
   * - 'absolute' (the recipes' default): the fine row's own value p1 = (fine + p2 - n/2) mod n, with the
   *   mixture means centred on the paired coarse value p2. Flat areas then cost what they cost
   *   PixelCNN++ (black and white sit in the edge bins) and modular wrap-around no longer puts a
   *   black-to-white edge next to "no difference" (README: measured choice).
   * Default: 'rotated' when the legacy `rotate: true` is set, else 'difference'.
   */
  values?: FineValues;
  /** Legacy form of `values: 'rotated'` (checkpoints written before `values` existed). */
  rotate?: boolean;
  /** How a sub-image sees the earlier ones: 'masked' (default) or 'convlstm' (see above). */
  context?: 'masked' | 'convlstm';
}

export type FineValues = 'difference' | 'rotated' | 'absolute';
const FINE_VALUES: FineValues[] = ['difference', 'rotated', 'absolute'];

class ResidualBlock extends Module {
  readonly a: Conv2d;
  readonly b: Conv2d;
  constructor(filters: number, rng: Rng) {
    super();
    this.a = this.child(
      'a',
      new Conv2d({ inChannels: filters, outChannels: filters, kernelSize: 3, rng: rng.fork('a') }),
    );
    this.b = this.child(
      'b',
      new Conv2d({ inChannels: filters, outChannels: filters, kernelSize: 3, rng: rng.fork('b'), initScale: 0.1 }),
    );
  }
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(
      () => tf.add(x, this.b.forward(tf.elu(this.a.forward(tf.elu(x)) as tf.Tensor4D) as tf.Tensor4D)) as tf.Tensor4D,
    );
  }
}

export class ConditionalLevel extends Module {
  readonly config: ConditionalLevelConfig;
  readonly encoderIn: Conv2d;
  readonly encoderBlock: ResidualBlock;
  readonly predictorIn: Conv2d | null;
  readonly lstm: ConvLstmCell | null;
  readonly blocks: ResidualBlock[];
  readonly out: Conv2d;
  /** Sub-images per level (4^k). */
  readonly subImages: number;
  readonly values: FineValues;

  constructor(config: ConditionalLevelConfig, rng: Rng) {
    super();
    const { channels, components, k, filters, blocks } = config;
    if (!Number.isInteger(k) || k < 0 || k > 3)
      throw new InvalidArgumentError(`PixelPyramids level: k must be 0..3, got ${k}`);
    const context = config.context ?? 'masked';
    if (context !== 'masked' && context !== 'convlstm')
      throw new InvalidArgumentError(`PixelPyramids level: context must be 'masked' or 'convlstm', got "${context}"`);
    this.values = config.values ?? (config.rotate ? 'rotated' : 'difference');
    if (!FINE_VALUES.includes(this.values))
      throw new InvalidArgumentError(
        `PixelPyramids level: values must be ${FINE_VALUES.map((v) => `'${v}'`).join(', ')}, got "${this.values}"`,
      );
    this.config = config;
    const s = 4 ** k;
    this.subImages = s;
    this.encoderIn = this.child(
      'encoderIn',
      new Conv2d({ inChannels: channels, outChannels: filters, kernelSize: 3, rng: rng.fork('encIn') }),
    );
    this.encoderBlock = this.child('encoderBlock', new ResidualBlock(filters, rng.fork('encBlock')));
    const lstm = context === 'convlstm';
    const predictorChannels = s * filters + s * channels + s;
    this.predictorIn = lstm
      ? null
      : this.child(
          'predictorIn',
          new Conv2d({ inChannels: predictorChannels, outChannels: filters, kernelSize: 3, rng: rng.fork('predIn') }),
        );
    this.lstm = lstm
      ? this.child(
          'lstm',
          new ConvLstmCell({ inChannels: s * filters + channels + s, hidden: filters, rng: rng.fork('lstm') }),
        )
      : null;
    this.blocks = this.childList(
      'blocks',
      Array.from({ length: blocks }, (_, i) => new ResidualBlock(filters, rng.fork(`block${i}`))),
    );
    this.out = this.child(
      'out',
      new Conv2d({
        inChannels: filters,
        outChannels: logisticMixtureParamCount(channels, components),
        kernelSize: 1,
        initScale: 0.1,
        rng: rng.fork('out'),
      }),
    );
    // Start from the prior "no difference between paired rows": mixture means at n/2 (0 on the [-1, 1]
    // scale; for 'rotated' -1, whose edge bin holds 0; for 'absolute' 0 plus the coarse value added in
    // #centred) and component scales spread from a spike (log-scale -6, a fraction of one 8-bit bin) to
    // broad (-1). Learning a spike from wide components takes thousands of steps.
    const bias = new Float32Array(logisticMixtureParamCount(channels, components));
    for (let c = 0; c < channels; c++) {
      for (let j = 0; j < components; j++) {
        if (this.values === 'rotated') bias[components + c * components + j] = -1;
        bias[components + channels * components + c * components + j] =
          components === 1 ? -3 : -6 + (5 * j) / (components - 1);
      }
    }
    tf.tidy(() => this.out.bias?.assign(tf.tensor1d(bias)));
  }

  /** Coarse features squeezed like the fine image: [N, h', w', S * filters]. */
  features(coarse: tf.Tensor): tf.Tensor4D {
    return tf.tidy(() => {
      const f = this.encoderBlock.forward(
        tf.elu(this.encoderIn.forward(toUnitScale(coarse, this.config.bits))) as tf.Tensor4D,
      );
      const sq = squeeze(f, this.config.k); // [N, h', w', S, F]
      const [n, h, w, s, c] = sq.shape;
      return tf.reshape(sq, [n, h, w, s * c]) as tf.Tensor4D;
    });
  }

  /**
   * Mixture parameters for sub-images `which` (one prediction per entry, batched as [N * which.length, ...]):
   * each sees the features and the sub-images before it.
   */
  params(features: tf.Tensor4D, fineSqueezed: tf.Tensor, which: number[]): tf.Tensor4D {
    const { channels, bits } = this.config;
    const s = this.subImages;
    return tf.tidy(() => {
      const [n, h, w] = features.shape;
      const fine = toUnitScale(tf.reshape(fineSqueezed, [n, h, w, s * channels]), bits); // [N, h', w', S*C]
      const inputs = which.map((index) => {
        const visible = Array.from({ length: s }, (_, t) => (t < index ? 1 : 0));
        const mask = tf.tensor1d(visible);
        const perChannel = tf.reshape(tf.tile(tf.reshape(mask, [s, 1]), [1, channels]), [s * channels]);
        const maskMap = tf.tile(tf.reshape(mask, [1, 1, 1, s]), [n, h, w, 1]);
        return tf.concat([features, tf.mul(fine, perChannel), maskMap], 3);
      });
      return this.#head((this.predictorIn as Conv2d).forward(tf.concat(inputs, 0) as tf.Tensor4D));
    });
  }

  /** The residual blocks and the mixture head, from [B, h', w', filters] to mixture parameters. */
  #head(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      let y = x;
      for (const block of this.blocks) y = block.forward(y);
      return this.out.forward(tf.elu(y) as tf.Tensor4D);
    });
  }

  /** ConvLSTM step t: reads the features, sub-image t-1 (int values, or null at t = 0) and a one-hot of t. */
  #lstmStep(features: tf.Tensor4D, previous: tf.Tensor | null, t: number, state: ConvLstmState): ConvLstmState {
    const { channels, bits } = this.config;
    const s = this.subImages;
    const input = tf.tidy(() => {
      const [n, h, w] = features.shape;
      const prev = previous
        ? toUnitScale(tf.reshape(previous, [n, h, w, channels]), bits)
        : tf.zeros([n, h, w, channels]);
      const oneHot = new Float32Array(s);
      oneHot[t] = 1;
      const which = tf.tile(tf.tensor4d(oneHot, [1, 1, 1, s]), [n, h, w, 1]);
      return tf.concat([features, prev, which], 3) as tf.Tensor4D;
    });
    const next = (this.lstm as ConvLstmCell).step(input, state);
    input.dispose();
    return next;
  }

  /** ConvLSTM parameters for every sub-image, batched as [S * N, ...] (teacher forcing). */
  #lstmParams(features: tf.Tensor4D, fineSqueezed: tf.Tensor): tf.Tensor4D {
    const s = this.subImages;
    return tf.tidy(() => {
      const [n, h, w] = features.shape;
      let state = (this.lstm as ConvLstmCell).initialState(n, h, w);
      const hidden: tf.Tensor4D[] = [];
      for (let t = 0; t < s; t++) {
        const previous =
          t === 0 ? null : tf.squeeze(tf.slice(fineSqueezed, [0, 0, 0, t - 1, 0], [-1, -1, -1, 1, -1]), [3]);
        state = this.#lstmStep(features, previous, t, state);
        hidden.push(state.h);
      }
      return this.#head(tf.concat(hidden, 0) as tf.Tensor4D);
    });
  }

  /** The fine values as the mixture models them (see `values`); `inverse` maps them back. */
  #modelled(fine: tf.Tensor, coarse: tf.Tensor, inverse = false): tf.Tensor {
    const { bits } = this.config;
    if (this.values === 'difference') return tf.clone(fine);
    return tf.tidy(() => {
      const n = 2 ** bits;
      // rotated: v = fine + n/2 (its own inverse); absolute: v = fine - n/2 + p2, fine = v + n/2 - p2.
      const shift =
        this.values === 'rotated'
          ? tf.scalar(n / 2, 'int32')
          : tf.mul(tf.sub(tf.cast(coarse, 'int32'), tf.scalar(n / 2, 'int32')), tf.scalar(inverse ? -1 : 1, 'int32'));
      return tf.mod(tf.add(tf.add(tf.cast(fine, 'int32'), shift), tf.scalar(n, 'int32')), tf.scalar(n, 'int32'));
    });
  }

  /**
   * For 'absolute': the mixture parameters with the paired coarse values (unit scale) added to the mean
   * slots, for sub-images `which` batched as in `params`. Other values: the parameters unchanged.
   */
  #centred(params: tf.Tensor4D, coarse: tf.Tensor, which: number[]): tf.Tensor4D {
    const { channels, bits, components } = this.config;
    if (this.values !== 'absolute') return params;
    return tf.tidy(() => {
      const perSubImage = tf.unstack(squeeze(toUnitScale(coarse, bits), this.config.k), 3); // S x [N, h', w', C]
      const picked = tf.concat(
        which.map((i) => perSubImage[i]),
        0,
      ); // [B, h', w', C]
      const [b, h, w] = picked.shape;
      const means = tf.reshape(tf.tile(tf.expandDims(picked, 4), [1, 1, 1, 1, components]), [
        b,
        h,
        w,
        channels * components,
      ]);
      const rest = logisticMixtureParamCount(channels, components) - components - channels * components;
      return tf.add(params, tf.concat([tf.zeros([b, h, w, components]), means, tf.zeros([b, h, w, rest])], 3));
    });
  }

  /** log p(fine | coarse) per image [N]; both int32 [N, h, w, C] of the same shape. */
  logProb(coarse: tf.Tensor, fine: tf.Tensor): tf.Tensor1D {
    const { channels, bits, components } = this.config;
    const s = this.subImages;
    return tf.tidy(() => {
      const features = this.features(coarse);
      const fineSq = squeeze(this.#modelled(fine, coarse), this.config.k); // [N, h', w', S, C]
      const [n] = fineSq.shape;
      const raw = this.lstm
        ? this.#lstmParams(features, fineSq)
        : this.params(
            features,
            fineSq,
            Array.from({ length: s }, (_, i) => i),
          ); // [S*N, h', w', P]
      const params = this.#centred(
        raw,
        coarse,
        Array.from({ length: s }, (_, i) => i),
      );
      // Targets in the same order: sub-image i for the i-th block of N.
      const targets = tf.concat(tf.unstack(fineSq, 3), 0); // [S*N, h', w', C]
      const logp = tf.sum(logisticMixtureLogProb(params, targets, { bits, channels, components }), [1, 2]); // [S*N]
      return tf.sum(tf.reshape(logp, [s, n]), 0) as tf.Tensor1D;
    });
  }

  /** Draws the fine image given the coarse one, sub-image after sub-image: S network evaluations. */
  async sample(
    coarse: tf.Tensor,
    options: { rng: Rng; temperature?: number },
  ): Promise<{ fine: tf.Tensor; evaluations: number }> {
    const { channels, bits, components } = this.config;
    const s = this.subImages;
    const features = this.features(coarse);
    const [n, h, w] = features.shape;
    const values = new Int32Array(n * h * w * s * channels).fill(2 ** (bits - 1));
    let state = this.lstm?.initialState(n, h, w) ?? null;
    let previous: tf.Tensor | null = null;
    for (let index = 0; index < s; index++) {
      if (state) {
        const next = this.#lstmStep(features, previous, index, state);
        tf.dispose([state.h, state.c, previous as tf.Tensor]);
        state = next;
      }
      const drawn = tf.tidy(() => {
        const raw = state
          ? this.#head(state.h)
          : this.params(features, tf.tensor(values, [n, h, w, s, channels], 'int32'), [index]);
        const params = this.#centred(raw, coarse, [index]);
        return logisticMixtureSample(params, {
          bits,
          channels,
          components,
          rng: options.rng,
          temperature: options.temperature,
        });
      });
      const data = await drawn.data();
      if (state) previous = drawn;
      else drawn.dispose();
      for (let p = 0; p < n * h * w; p++) {
        for (let c = 0; c < channels; c++) values[(p * s + index) * channels + c] = data[p * channels + c];
      }
    }
    tf.dispose([previous as tf.Tensor, state?.h as tf.Tensor, state?.c as tf.Tensor]);
    features.dispose();
    const fine = tf.tidy(() =>
      this.#modelled(unsqueeze(tf.tensor(values, [n, h, w, s, channels], 'int32'), this.config.k), coarse, true),
    );
    return { fine, evaluations: s };
  }
}
