import { InvalidArgumentError } from '@scalespace/core';
import { type BlockSpec, checkDecoderBlocks, checkEncoderBlocks, parseBlockString } from './block-string.js';
import type { Activation } from './bottleneck-block.js';

/**
 * The hyper-parameters of a VD-VAE, with the official implementation's meanings (its `hps.py` names in
 * brackets). Saved as the checkpoint's config.
 */
export interface VDVAEConfig {
  /** Square image side [image_size]. */
  imageSize: number;
  /** 1 (grey) or 3 (RGB) [image_channels]. */
  imageChannels: number;
  /** Channels of the residual stream [width]. */
  width: number;
  /** Channels of each latent group [zdim]. */
  zdim: number;
  /** Encoder block string [enc_blocks], e.g. `32x3,32d2,16x3,16d2,8x2,8d2,4x2,4d4,1x2`. */
  encBlocks: string;
  /** Decoder block string [dec_blocks], e.g. `1x1,4m1,4x2,8m4,8x3,16m8,16x3,32m16,32x2`. */
  decBlocks: string;
  /** Bottleneck width as a fraction of the stream width [bottleneck_multiple], 0.25. */
  bottleneckMultiple: number;
  /** Per-resolution widths overriding `width`, `"res:width,..."` [custom_width_str]; '' for none. */
  customWidths: string;
  /** Learned initial decoder states exist for resolutions up to this [no_bias_above]. */
  noBiasAbove: number;
  /** Logistic mixture components of the output [num_mixtures]. */
  numMixtures: number;
  /** Bits per pixel value of the data (8 for MNIST, 5 for 5-bit FFHQ). */
  bits: number;
  /**
   * How images in [0, 1] become the likelihood's values: 'rescale' (k = round(x (2^bits - 1)), the values
   * tiling [-1, 1]) or 'truncate' (the 8-bit pixel v = round(255 x) keeps its top `bits` bits,
   * k = floor(v / 2^(8 - bits)), at its 8-bit position 2^(8 - bits) k / 255: the official 5-bit FFHQ-256 model).
   * The same for 8 bits. Default 'rescale'.
   */
  quantization?: Quantization;
  /** Input normalisation: the encoder sees (x - inputMean) / inputStd for x in [0, 1]. */
  inputMean: number;
  inputStd: number;
  /** 'gelu' (exact, the official network) or 'gelu-sigmoid' (x * sigmoid(1.702 x), faster on wasm). */
  activation: Activation;
}

export type Quantization = 'rescale' | 'truncate';

export const DEFAULT_VDVAE_CONFIG: Omit<VDVAEConfig, 'imageSize' | 'encBlocks' | 'decBlocks'> = {
  imageChannels: 1,
  width: 64,
  zdim: 8,
  bottleneckMultiple: 0.25,
  customWidths: '',
  noBiasAbove: 64,
  numMixtures: 5,
  bits: 8,
  quantization: 'rescale',
  inputMean: 0.5,
  inputStd: 0.5,
  activation: 'gelu',
};

/** A config with every field, its block strings parsed and checked, and widths per resolution. */
export interface ResolvedVDVAEConfig extends VDVAEConfig {
  quantization: Quantization;
  encoder: BlockSpec[];
  decoder: BlockSpec[];
  widthAt(res: number): number;
}

function positiveInt(v: unknown, what: string) {
  if (!Number.isInteger(v) || (v as number) < 1) {
    throw new InvalidArgumentError(`VD-VAE config: ${what} must be a positive integer, got ${String(v)}`);
  }
}

export function parseCustomWidths(text: string, width: number): (res: number) => number {
  const map = new Map<number, number>();
  if (text.trim() !== '') {
    for (const part of text.split(',')) {
      const m = /^\s*(\d+)\s*:\s*(\d+)\s*$/.exec(part);
      if (!m) throw new InvalidArgumentError(`customWidths entry "${part}" must be "resolution:width", e.g. "32:64"`);
      map.set(Number(m[1]), Number(m[2]));
    }
  }
  return (res) => map.get(res) ?? width;
}

/** Fills defaults, validates every field and parses the block strings. */
export function resolveVDVAEConfig(
  config: Partial<VDVAEConfig> & Pick<VDVAEConfig, 'imageSize' | 'encBlocks' | 'decBlocks'>,
): ResolvedVDVAEConfig {
  if (!config || typeof config !== 'object') throw new InvalidArgumentError('VD-VAE config must be an object');
  const full = { ...DEFAULT_VDVAE_CONFIG, ...config } as VDVAEConfig & { quantization: Quantization };
  full.quantization ??= 'rescale';
  positiveInt(full.imageSize, 'imageSize');
  positiveInt(full.width, 'width');
  positiveInt(full.zdim, 'zdim');
  positiveInt(full.numMixtures, 'numMixtures');
  positiveInt(full.noBiasAbove, 'noBiasAbove');
  if (full.imageChannels !== 1 && full.imageChannels !== 3) {
    throw new InvalidArgumentError(`VD-VAE config: imageChannels must be 1 or 3, got ${full.imageChannels}`);
  }
  if (!Number.isInteger(full.bits) || full.bits < 1 || full.bits > 16) {
    throw new InvalidArgumentError(`VD-VAE config: bits must be an integer in 1..16, got ${full.bits}`);
  }
  if (full.quantization !== 'rescale' && full.quantization !== 'truncate') {
    throw new InvalidArgumentError(
      `VD-VAE config: quantization must be 'rescale' or 'truncate', got ${String(full.quantization)}`,
    );
  }
  if (full.quantization === 'truncate' && full.bits > 8) {
    throw new InvalidArgumentError(
      `VD-VAE config: quantization 'truncate' keeps bits of 8-bit pixels; bits must be <= 8`,
    );
  }
  if (!(full.bottleneckMultiple > 0 && full.bottleneckMultiple <= 4)) {
    throw new InvalidArgumentError(
      `VD-VAE config: bottleneckMultiple must be in (0, 4], got ${full.bottleneckMultiple}`,
    );
  }
  if (!(full.inputStd > 0) || !Number.isFinite(full.inputMean)) {
    throw new InvalidArgumentError('VD-VAE config: inputStd must be > 0 and inputMean finite');
  }
  if (full.activation !== 'gelu' && full.activation !== 'gelu-sigmoid') {
    throw new InvalidArgumentError(
      `VD-VAE config: activation must be 'gelu' or 'gelu-sigmoid', got ${String(full.activation)}`,
    );
  }
  const encoder = parseBlockString(full.encBlocks);
  const decoder = parseBlockString(full.decBlocks);
  checkEncoderBlocks(encoder, full.imageSize);
  checkDecoderBlocks(decoder, full.imageSize);
  const widthAt = parseCustomWidths(full.customWidths, full.width);
  const encoderResolutions = new Set<number>([full.imageSize]);
  let r = full.imageSize;
  for (const b of encoder) if (b.downRate) encoderResolutions.add((r /= b.downRate));
  for (const [i, b] of decoder.entries()) {
    if (!encoderResolutions.has(b.res)) {
      throw new InvalidArgumentError(
        `decoder block ${i} is at resolution ${b.res}, which the encoder never produces (it has ${[...encoderResolutions].join(', ')})`,
      );
    }
    if (Math.floor(widthAt(b.res) * full.bottleneckMultiple) < 1) {
      throw new InvalidArgumentError(`VD-VAE config: width x bottleneckMultiple is below 1 at resolution ${b.res}`);
    }
  }
  return { ...full, encoder, decoder, widthAt };
}

const CONFIG_KEYS = [
  'imageSize',
  'imageChannels',
  'width',
  'zdim',
  'encBlocks',
  'decBlocks',
  'bottleneckMultiple',
  'customWidths',
  'noBiasAbove',
  'numMixtures',
  'bits',
  'quantization',
  'inputMean',
  'inputStd',
  'activation',
] as const satisfies ReadonlyArray<keyof VDVAEConfig>;

/** The plain, JSON-safe config (what checkpoints store). */
export function plainVDVAEConfig(config: VDVAEConfig): VDVAEConfig {
  return Object.fromEntries(CONFIG_KEYS.map((k) => [k, config[k]])) as unknown as VDVAEConfig;
}
