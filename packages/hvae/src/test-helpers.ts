import { rng, tf } from '@scalespace/core';
import { ImageDataset } from '@scalespace/data';
import type { VDVAE } from './vdvae.js';
import type { VDVAEConfig } from './vdvae-config.js';

// Shared by the tests (not exported from the package).

/** A tiny VD-VAE: one grey pixel with 3-bit values, two scalar latent groups (exactly integrable). */
export const TINY: Partial<VDVAEConfig> & Pick<VDVAEConfig, 'imageSize' | 'encBlocks' | 'decBlocks'> = {
  imageSize: 1,
  imageChannels: 1,
  width: 4,
  zdim: 1,
  bottleneckMultiple: 0.5,
  numMixtures: 2,
  bits: 3,
  encBlocks: '1x1',
  decBlocks: '1x2',
};

/** A small 8x8 model with four groups at resolutions 1, 4, 4, 8. */
export const SMALL: Partial<VDVAEConfig> & Pick<VDVAEConfig, 'imageSize' | 'encBlocks' | 'decBlocks'> = {
  imageSize: 8,
  imageChannels: 1,
  width: 8,
  zdim: 2,
  numMixtures: 2,
  encBlocks: '8x1,8d2,4x1,4d4,1x1',
  decBlocks: '1x1,4m1,4x1,8m4',
};

/** Replaces every parameter with N(0, scale^2) values, so prior heads and biases are not at their zero start. */
export function perturb(model: VDVAE, seed: number, scale = 0.3): VDVAE {
  const r = rng(seed);
  for (const [name, v] of model.namedParameters()) {
    tf.tidy(() => v.assign(r.fork(name).normalTensor(v.shape, { std: scale })));
  }
  return model;
}

/** The 8 one-pixel images with 3-bit values, as floats in [0, 1]: [8, 1, 1, 1]. */
export function allTinyImages(): tf.Tensor4D {
  return tf.tensor4d(
    Array.from({ length: 8 }, (_, k) => k / 7),
    [8, 1, 1, 1],
  );
}

/** Random uint8 "images" with blobs (for training tests). */
export function syntheticImages(n: number, size: number, seed: number): ImageDataset {
  const r = rng(seed);
  const data = new Uint8Array(n * size * size);
  for (let i = 0; i < n; i++) {
    const cx = r.uniform() * size;
    const cy = r.uniform() * size;
    const rad = 1 + r.uniform() * (size / 3);
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) {
        const d = Math.hypot(x - cx, y - cy);
        data[(i * size + y) * size + x] = Math.round(255 * Math.max(0, Math.min(1, rad - d)));
      }
  }
  return new ImageDataset(data, [size, size, 1], { name: `synthetic(${n}, ${size}, ${seed})`, path: '' });
}
