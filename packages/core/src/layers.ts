import { InvalidArgumentError } from './errors.js';
import { Module } from './module.js';
import type { Rng } from './rng.js';
import { tf } from './tf.js';

// The few layers every model package builds from. Weights are NHWC/HWIO as TensorFlow.js wants them
// (a PyTorch conv weight [out, in, kh, kw] maps to [kh, kw, in, out]); names are `weight` and `bias`.
// Initialisation follows PyTorch's default (uniform, bound 1/sqrt(fan_in)), from a seeded generator.

export type Padding = 'same' | 'valid' | number;

function positiveInt(value: number, what: string) {
  if (!Number.isInteger(value) || value < 1)
    throw new InvalidArgumentError(`${what} must be a positive integer, got ${value}`);
}

function uniformInit(rng: Rng, shape: number[], fanIn: number, gain = 1): tf.Tensor {
  const bound = gain / Math.sqrt(fanIn);
  return rng.uniformTensor(shape, { min: -bound, max: bound });
}

export interface Conv2dOptions {
  inChannels: number;
  outChannels: number;
  kernelSize: number;
  stride?: number;
  padding?: Padding;
  dilation?: number;
  /** Add a learned bias (default true). Bias-free networks pass false. */
  bias?: boolean;
  /** Multiplies the initial weights (e.g. VD-VAE scales a block's last conv by sqrt(1 / blocks)). */
  initScale?: number;
  rng: Rng;
}

/** 2-D convolution, NHWC. */
export class Conv2d extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | null;
  readonly stride: number;
  readonly padding: Padding;
  readonly dilation: number;

  constructor(options: Conv2dOptions) {
    super();
    const {
      inChannels,
      outChannels,
      kernelSize,
      stride = 1,
      padding = 'same',
      dilation = 1,
      bias = true,
      initScale = 1,
      rng,
    } = options;
    positiveInt(inChannels, 'Conv2d inChannels');
    positiveInt(outChannels, 'Conv2d outChannels');
    positiveInt(kernelSize, 'Conv2d kernelSize');
    positiveInt(stride, 'Conv2d stride');
    positiveInt(dilation, 'Conv2d dilation');
    const fanIn = inChannels * kernelSize * kernelSize;
    this.weight = this.param('weight', () =>
      uniformInit(rng, [kernelSize, kernelSize, inChannels, outChannels], fanIn, initScale),
    );
    this.bias = bias ? this.param('bias', () => uniformInit(rng, [outChannels], fanIn, initScale)) : null;
    this.stride = stride;
    this.padding = padding;
    this.dilation = dilation;
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return convolve(this, x, tf.conv2d);
  }
}

function explicitPad(p: number): [[0, 0], [number, number], [number, number], [0, 0]] {
  return [
    [0, 0],
    [p, p],
    [p, p],
    [0, 0],
  ];
}

type ConvOp = (
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  strides: number,
  pad: 'same' | 'valid' | ReturnType<typeof explicitPad>,
  dataFormat: 'NHWC',
  dilations: number,
) => tf.Tensor4D;

/** A conv layer's forward pass: `op` with its stride, padding (a number pads explicitly) and dilation, then the bias. */
function convolve(
  layer: { weight: tf.Variable; bias: tf.Variable | null; stride: number; padding: Padding; dilation: number },
  x: tf.Tensor4D,
  op: ConvOp,
): tf.Tensor4D {
  return tf.tidy(() => {
    const pad = typeof layer.padding === 'number' ? explicitPad(layer.padding) : layer.padding;
    const y = op(x, layer.weight as tf.Tensor4D, layer.stride, pad, 'NHWC', layer.dilation);
    return layer.bias ? tf.add(y, layer.bias) : y;
  });
}

export interface DepthwiseConv2dOptions {
  channels: number;
  kernelSize: number;
  multiplier?: number;
  stride?: number;
  padding?: Padding;
  dilation?: number;
  bias?: boolean;
  rng: Rng;
}

/** Depthwise 2-D convolution: each channel filtered on its own (times `multiplier` outputs per channel). */
export class DepthwiseConv2d extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | null;
  readonly stride: number;
  readonly padding: Padding;
  readonly dilation: number;

  constructor(options: DepthwiseConv2dOptions) {
    super();
    const {
      channels,
      kernelSize,
      multiplier = 1,
      stride = 1,
      padding = 'same',
      dilation = 1,
      bias = true,
      rng,
    } = options;
    positiveInt(channels, 'DepthwiseConv2d channels');
    positiveInt(kernelSize, 'DepthwiseConv2d kernelSize');
    positiveInt(multiplier, 'DepthwiseConv2d multiplier');
    const fanIn = kernelSize * kernelSize;
    this.weight = this.param('weight', () => uniformInit(rng, [kernelSize, kernelSize, channels, multiplier], fanIn));
    this.bias = bias ? this.param('bias', () => uniformInit(rng, [channels * multiplier], fanIn)) : null;
    this.stride = stride;
    this.padding = padding;
    this.dilation = dilation;
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return convolve(this, x, tf.depthwiseConv2d);
  }
}

export interface ConvTranspose2dOptions {
  inChannels: number;
  outChannels: number;
  kernelSize: number;
  stride?: number;
  padding?: 'same' | 'valid';
  bias?: boolean;
  rng: Rng;
}

/** Transposed 2-D convolution (the adjoint of a strided conv): 'same' padding multiplies H and W by the stride. */
export class ConvTranspose2d extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | null;
  readonly stride: number;
  readonly padding: 'same' | 'valid';
  readonly #kernel: number;
  readonly #out: number;

  constructor(options: ConvTranspose2dOptions) {
    super();
    const { inChannels, outChannels, kernelSize, stride = 2, padding = 'same', bias = true, rng } = options;
    positiveInt(inChannels, 'ConvTranspose2d inChannels');
    positiveInt(outChannels, 'ConvTranspose2d outChannels');
    positiveInt(kernelSize, 'ConvTranspose2d kernelSize');
    positiveInt(stride, 'ConvTranspose2d stride');
    const fanIn = inChannels * kernelSize * kernelSize;
    // tfjs layout for conv2dTranspose: [kh, kw, outChannels, inChannels].
    this.weight = this.param('weight', () =>
      uniformInit(rng, [kernelSize, kernelSize, outChannels, inChannels], fanIn),
    );
    this.bias = bias ? this.param('bias', () => uniformInit(rng, [outChannels], fanIn)) : null;
    this.stride = stride;
    this.padding = padding;
    this.#kernel = kernelSize;
    this.#out = outChannels;
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    const [n, h, w] = x.shape;
    const s = this.stride;
    const outH = this.padding === 'same' ? h * s : (h - 1) * s + this.#kernel;
    const outW = this.padding === 'same' ? w * s : (w - 1) * s + this.#kernel;
    return tf.tidy(() => {
      const y = tf.conv2dTranspose(x, this.weight as tf.Tensor4D, [n, outH, outW, this.#out], s, this.padding);
      return this.bias ? tf.add(y, this.bias) : y;
    });
  }
}

export interface LinearOptions {
  inFeatures: number;
  outFeatures: number;
  bias?: boolean;
  rng: Rng;
}

/** Fully connected layer on the last axis: y = x W + b, W [in, out]. */
export class Linear extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | null;

  constructor(options: LinearOptions) {
    super();
    const { inFeatures, outFeatures, bias = true, rng } = options;
    positiveInt(inFeatures, 'Linear inFeatures');
    positiveInt(outFeatures, 'Linear outFeatures');
    this.weight = this.param('weight', () => uniformInit(rng, [inFeatures, outFeatures], inFeatures));
    this.bias = bias ? this.param('bias', () => uniformInit(rng, [outFeatures], inFeatures)) : null;
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const lead = x.shape.slice(0, -1);
      const flat = tf.reshape(x, [-1, this.weight.shape[0]]) as tf.Tensor2D;
      const y = tf.matMul(flat, this.weight as tf.Tensor2D);
      const out = this.bias ? tf.add(y, this.bias) : y;
      return tf.reshape(out, [...lead, this.weight.shape[1] as number]);
    });
  }
}
