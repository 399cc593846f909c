import { InvalidArgumentError } from '@scalespace/core';
import type { VDVAEConfig } from './vdvae-config.js';

// The hyper-parameters of the official VD-VAE (github.com/openai/vdvae): hps.py's argparse defaults and named sets,
// and data.py's per-dataset image size and preprocessing. A checkpoint holds only weights; these say how to read them.

/**
 * Official hyper-parameters by their hps.py names (a JSON object of them, or the `hparam` lines of a run's log).
 * Names that do not shape the network (lr, n_batch, ...) are ignored.
 */
export interface OfficialHps {
  /** A named set of hps.py applied first (`--hps ffhq256` of train.py). */
  hparam_sets?: string;
  /** data.py's dataset: cifar10, imagenet32, imagenet64, ffhq_256, ffhq_1024 (sets the size and preprocessing). */
  dataset?: string;
  width?: number;
  zdim?: number;
  enc_blocks?: string;
  dec_blocks?: string;
  bottleneck_multiple?: number;
  custom_width_str?: string;
  no_bias_above?: number;
  num_mixtures?: number;
  /** Set by data.py from the dataset; give them for another dataset. */
  image_size?: number;
  image_channels?: number;
  /** For another dataset: the network sees (v + shift) * scale of the 0..255 pixel values v. */
  shift?: number;
  scale?: number;
  [other: string]: unknown;
}

/** hps.py's argparse defaults of the names that shape the network. */
const DEFAULTS: OfficialHps = {
  dataset: 'cifar10',
  width: 512,
  zdim: 16,
  custom_width_str: '',
  bottleneck_multiple: 0.25,
  no_bias_above: 64,
  num_mixtures: 10,
};

const CIFAR10: OfficialHps = {
  dataset: 'cifar10',
  width: 384,
  zdim: 16,
  dec_blocks: '1x1,4m1,4x2,8m4,8x5,16m8,16x10,32m16,32x21',
  enc_blocks: '32x11,32d2,16x6,16d2,8x6,8d2,4x3,4d4,1x3',
};
const IMAGENET32: OfficialHps = {
  ...CIFAR10,
  dataset: 'imagenet32',
  width: 512,
  dec_blocks: '1x2,4m1,4x4,8m4,8x9,16m8,16x19,32m16,32x40',
  enc_blocks: '32x15,32d2,16x9,16d2,8x8,8d2,4x6,4d4,1x6',
};
const IMAGENET64: OfficialHps = {
  ...IMAGENET32,
  dataset: 'imagenet64',
  dec_blocks: '1x2,4m1,4x3,8m4,8x7,16m8,16x15,32m16,32x31,64m32,64x12',
  enc_blocks: '64x11,64d2,32x20,32d2,16x9,16d2,8x8,8d2,4x7,4d4,1x5',
};
const FFHQ256: OfficialHps = {
  ...IMAGENET64,
  dataset: 'ffhq_256',
  dec_blocks: '1x2,4m1,4x3,8m4,8x4,16m8,16x9,32m16,32x21,64m32,64x13,128m64,128x7,256m128',
  enc_blocks: '256x3,256d2,128x8,128d2,64x12,64d2,32x17,32d2,16x7,16d2,8x5,8d2,4x5,4d4,1x4',
  no_bias_above: 64,
};
const FFHQ1024: OfficialHps = {
  ...FFHQ256,
  dataset: 'ffhq_1024',
  num_mixtures: 2,
  width: 16,
  dec_blocks: '1x2,4m1,4x3,8m4,8x4,16m8,16x9,32m16,32x20,64m32,64x14,128m64,128x7,256m128,256x2,512m256,1024m512',
  enc_blocks: '1024x1,1024d2,512x3,512d2,256x5,256d2,128x7,128d2,64x10,64d2,32x14,32d2,16x7,16d2,8x5,8d2,4x5,4d4,1x4',
  custom_width_str: '512:32,256:64,128:512,64:512,32:512,16:512,8:512,4:512,1:512',
};

/** hps.py's named sets (train.py --hps NAME), by the names the official README uses. */
export const OFFICIAL_HPS_PRESETS: Readonly<Record<string, OfficialHps>> = {
  cifar10: CIFAR10,
  imagenet32: IMAGENET32,
  imagenet64: IMAGENET64,
  ffhq256: FFHQ256,
  ffhq1024: FFHQ1024,
};

interface OfficialDataset {
  imageSize: number;
  /** The encoder's input, (x - inputMean) / inputStd for x in [0, 1]. */
  inputMean: number;
  inputStd: number;
  /** 5 for ffhq_256, whose loss keeps the top 5 bits of each 8-bit value. */
  bits: number;
}

/** data.py: the network sees (v + shift) * scale of 0..255 values v = (x - (-shift / 255)) / (1 / (255 scale)). */
function fromShiftScale(imageSize: number, shift: number, scale: number, bits = 8): OfficialDataset {
  return { imageSize, inputMean: -shift / 255, inputStd: 1 / (255 * scale), bits };
}

const DATASETS: Record<string, OfficialDataset> = {
  cifar10: fromShiftScale(32, -120.63838, 1 / 64.16736),
  imagenet32: fromShiftScale(32, -116.2373, 1 / 69.37404),
  imagenet64: fromShiftScale(64, -115.92961967, 1 / 69.37404),
  ffhq_256: fromShiftScale(256, -112.8666757481, 1 / 69.84780273, 5),
  // torchvision's ToTensor gives this one x in [0, 1]: the network sees (x - 0.4387) / 0.2743.
  ffhq_1024: { imageSize: 1024, inputMean: 0.4387, inputStd: 0.2743, bits: 8 },
};

const NUMBER_KEYS = [
  'width',
  'zdim',
  'bottleneck_multiple',
  'no_bias_above',
  'num_mixtures',
  'image_size',
  'image_channels',
  'shift',
  'scale',
] as const;
const STRING_KEYS = ['hparam_sets', 'dataset', 'enc_blocks', 'dec_blocks', 'custom_width_str'] as const;

/**
 * Official hyper-parameters from text: a JSON object of hps.py names, or a run's log (JSON lines; its
 * `{"type": "hparam", "key": ..., "value": ...}` lines, which the official logger writes first).
 */
export function parseOfficialHps(text: string, label = 'the hyper-parameters'): OfficialHps {
  const trimmed = text.trim();
  try {
    const value = JSON.parse(trimmed) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as OfficialHps;
    throw new InvalidArgumentError(`${label}: expected a JSON object of official hps names, e.g. {"width": 384, ...}`);
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw error;
  }
  const hps: OfficialHps = {};
  for (const [i, line] of trimmed.split('\n').entries()) {
    if (line.trim() === '') continue;
    let entry: { type?: unknown; key?: unknown; value?: unknown };
    try {
      entry = JSON.parse(line);
    } catch {
      throw new InvalidArgumentError(
        `${label}: line ${i + 1} is not JSON; give a JSON object of official hps names or the run's log.jsonl`,
      );
    }
    if (entry?.type === 'hparam' && typeof entry.key === 'string') hps[entry.key] = entry.value;
  }
  if (Object.keys(hps).length === 0)
    throw new InvalidArgumentError(`${label}: a JSON-lines file without "hparam" lines; give the run's log.jsonl`);
  return hps;
}

/** A preset name or official hyper-parameters, completed with hps.py's defaults (named set first, then the rest). */
export function resolveOfficialHps(hps: string | OfficialHps): OfficialHps {
  const presetNames = Object.keys(OFFICIAL_HPS_PRESETS).join(', ');
  if (typeof hps === 'string') {
    const preset = OFFICIAL_HPS_PRESETS[hps];
    if (!preset)
      throw new InvalidArgumentError(`unknown official hps set "${hps}": use ${presetNames}, or a JSON file of hps`);
    return { ...DEFAULTS, ...preset };
  }
  if (!hps || typeof hps !== 'object') throw new InvalidArgumentError('official hps: pass a preset name or an object');
  for (const key of NUMBER_KEYS)
    if (hps[key] !== undefined && typeof hps[key] !== 'number')
      throw new InvalidArgumentError(`official hps: ${key} must be a number, got ${JSON.stringify(hps[key])}`);
  for (const key of STRING_KEYS)
    if (hps[key] !== undefined && hps[key] !== null && typeof hps[key] !== 'string')
      throw new InvalidArgumentError(`official hps: ${key} must be a string, got ${JSON.stringify(hps[key])}`);
  const sets = typeof hps.hparam_sets === 'string' ? hps.hparam_sets.split(',').filter((s) => s) : [];
  const merged: OfficialHps = { ...DEFAULTS };
  for (const name of sets) {
    const preset = OFFICIAL_HPS_PRESETS[name];
    if (!preset) throw new InvalidArgumentError(`official hps: hparam_sets "${name}" is not one of ${presetNames}`);
    Object.assign(merged, preset);
  }
  for (const [key, value] of Object.entries(hps)) if (value !== undefined && value !== null) merged[key] = value;
  return merged;
}

/**
 * The scalespace config of an official network: its architecture, data.py's image size and input preprocessing
 * for its dataset (or the given `image_size`, `shift`, `scale`), the exact GELU, and the 5-bit targets of ffhq_256.
 */
export function vdvaeConfigFromOfficial(hps: string | OfficialHps): VDVAEConfig {
  const h = resolveOfficialHps(hps);
  const known = DATASETS[h.dataset as string];
  const imageSize = h.image_size ?? known?.imageSize;
  const custom = h.shift !== undefined || h.scale !== undefined;
  if (!known && (imageSize === undefined || !custom))
    throw new InvalidArgumentError(
      `official hps: dataset "${h.dataset}" is not one of data.py's (${Object.keys(DATASETS).join(', ')}); ` +
        'give image_size, shift and scale (the network sees (v + shift) * scale of 0..255 pixels)',
    );
  if (custom && !(typeof h.scale === 'number' && h.scale > 0 && typeof h.shift === 'number'))
    throw new InvalidArgumentError('official hps: give both shift and scale (scale > 0)');
  const channels = h.image_channels ?? 3;
  if (channels !== 3)
    throw new InvalidArgumentError(
      `official hps: image_channels is ${channels}, but the official output head (DmolNet) models RGB only`,
    );
  if (!h.enc_blocks || !h.dec_blocks)
    throw new InvalidArgumentError('official hps: enc_blocks and dec_blocks are needed (or a preset that has them)');
  const input = custom ? fromShiftScale(imageSize as number, h.shift as number, h.scale as number) : known;
  const bits = known?.bits ?? 8;
  return {
    imageSize: imageSize as number,
    imageChannels: 3,
    width: h.width as number,
    zdim: h.zdim as number,
    encBlocks: h.enc_blocks,
    decBlocks: h.dec_blocks,
    bottleneckMultiple: h.bottleneck_multiple as number,
    customWidths: h.custom_width_str ?? '',
    noBiasAbove: h.no_bias_above as number,
    numMixtures: h.num_mixtures as number,
    bits,
    quantization: bits < 8 ? 'truncate' : 'rescale',
    inputMean: input.inputMean,
    inputStd: input.inputStd,
    activation: 'gelu',
  };
}
