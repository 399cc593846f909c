import { InvalidArgumentError, type Rng, tf } from '@scalespace/core';
import type { ChooseLatent } from './decoder.js';

// The latent groups of a VD-VAE: temperatures, draws and the options and results of decoding and encoding.

/** One temperature for every latent group, or one per group (0 = the mean). */
export type Temperature = number | number[];

/** How decoded pixels are drawn from the output mixture: sampled, or its mode (deterministic). */
export type OutputMode = 'sample' | 'mode';

/** One latent group of an encoding: the drawn z and the posterior and prior it came from. */
export interface LatentGroup {
  z: tf.Tensor4D;
  qMean: tf.Tensor4D;
  qLogStd: tf.Tensor4D;
  pMean: tf.Tensor4D;
  pLogStd: tf.Tensor4D;
}

/** ELBO of a batch, per dimension, averaged over images; bits/dim = reconstruction + sum of the group KLs. */
export interface ElboReport {
  bitsPerDim: number;
  reconstructionBpd: number;
  klBpd: number;
  klPerGroupBpd: number[];
}

/** The differentiable ELBO terms, in nats per dimension (mean over the batch). */
export interface ElboTerms {
  loss: tf.Scalar;
  distortion: tf.Scalar;
  /** KL of each group [groups]. */
  kl: tf.Tensor1D;
}

/** What `decodeParams` / `decodeLatents` take. */
export interface DecodeLatentsOptions {
  /** z_0, z_1, ... of the first groups (batch n or 1); the rest are drawn from the prior. */
  latents?: tf.Tensor[];
  /** Temperature of the prior draws (a number, or one per group). Default 1. */
  temperature?: Temperature;
  rng: Rng;
  /** The standard normals of the prior draws by group, [n, r, r, zdim] (groups without one use `rng`). */
  noise?: tf.Tensor[];
  /** Overrides how the groups not in `latents` are picked. */
  choose?: ChooseLatent;
}

export interface DecodeOptions {
  /** Temperature of the prior groups (a number, or one per group). Default 1. */
  temperature?: Temperature;
  seed?: number;
  /** Draw pixels from the output mixture ('sample') or take its mode; default 'mode' at temperature 0, else 'sample'. */
  output?: OutputMode;
}

/** Releases the tensors of an encoding. */
export function disposeLatents(groups: LatentGroup[]): void {
  for (const g of groups) tf.dispose([g.z, g.qMean, g.qLogStd, g.pMean, g.pLogStd]);
}

/** Checks a temperature against the number of groups; returns the temperature of group i. */
export function checkTemperature(t: Temperature, groups: number): (i: number) => number {
  const list = Array.isArray(t) ? t : null;
  if (list && list.length !== groups) {
    throw new InvalidArgumentError(
      `temperature: got ${list.length} values for ${groups} latent groups; pass one per group or a single number`,
    );
  }
  for (const v of list ?? [t as number]) {
    if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) {
      throw new InvalidArgumentError(`temperature must be a finite number >= 0, got ${String(v)}`);
    }
  }
  return list ? (i) => list[i] : () => t as number;
}

/** z = mean + t * exp(logStd) * eps. */
export function draw(mean: tf.Tensor4D, logStd: tf.Tensor4D, t: number, eps: () => tf.Tensor): tf.Tensor4D {
  if (t === 0) return mean;
  return tf.add(mean, tf.mul(tf.exp(logStd), tf.mul(eps(), t))) as tf.Tensor4D;
}
