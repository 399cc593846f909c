import {
  CheckpointError,
  type CheckpointSource,
  type LongWorkOptions,
  loadCheckpoint,
  type Module,
  rng,
  saveCheckpoint,
  sourceName,
  type tf,
} from '@scalespace/core';
import { PixelPyramids, type PixelPyramidsConfig } from './pixel-pyramids.js';
import { PixelCNN, type PixelCNNConfig } from './pixelcnn.js';

/** A whole-image PixelCNN++: the network plus the image size it was trained on. */
export interface PixelCNNImageConfig extends PixelCNNConfig {
  height: number;
  width: number;
}

export type AutoregressiveConfig =
  | { kind: 'pixelcnn'; model: PixelCNNImageConfig }
  | { kind: 'pixelpyramids'; model: PixelPyramidsConfig };

/** Either model, with what training and evaluation need from it. */
export interface AutoregressiveModel {
  kind: 'pixelcnn' | 'pixelpyramids';
  module: Module;
  /** Image size and channels. */
  height: number;
  width: number;
  channels: number;
  bits: number;
  logProb(x: tf.Tensor): tf.Tensor1D;
  sample(options: { n: number; temperature?: number; seed?: number; signal?: AbortSignal }): Promise<{
    images: tf.Tensor4D;
    networkEvaluations: number;
    seconds: number;
  }>;
  config: AutoregressiveConfig;
}

/** The fields of a model that come from its image config. */
function imageFields(m: { height: number; width: number; channels: number; bits: number }) {
  return { height: m.height, width: m.width, channels: m.channels, bits: m.bits };
}

/** Builds a model from its config (weights freshly initialised from `seed`). */
export function createModel(config: AutoregressiveConfig, seed = 0): AutoregressiveModel {
  if (config.kind === 'pixelcnn') {
    const m = config.model;
    const net = new PixelCNN(m, rng(seed).fork('pixelcnn'));
    return {
      kind: 'pixelcnn',
      module: net,
      ...imageFields(m),
      logProb: (x) => net.logProb(x),
      sample: (o) => net.sample({ ...o, height: m.height, width: m.width }),
      config,
    };
  }
  if (config.kind === 'pixelpyramids') {
    const m = config.model;
    const net = new PixelPyramids(m, rng(seed).fork('pixelpyramids'));
    return {
      kind: 'pixelpyramids',
      module: net,
      ...imageFields(m),
      logProb: (x) => net.logProb(x),
      sample: (o) => net.sample(o),
      config,
    };
  }
  throw new CheckpointError(`unknown autoregressive model kind "${(config as { kind: string }).kind}"`);
}

/** What a model checkpoint's config holds besides the architecture. */
export interface SavedModelInfo {
  model: AutoregressiveConfig;
  /** Free-form training facts (data, steps, final metrics) kept with the weights. */
  training?: Record<string, unknown>;
}

/** Saves a model's weights and config as a checkpoint directory (model.safetensors + config.json). */
export async function saveModel(
  dir: string,
  model: AutoregressiveModel,
  training?: Record<string, unknown>,
): Promise<void> {
  await saveCheckpoint<SavedModelInfo>(dir, model.module, { model: model.config, ...(training && { training }) });
}

/**
 * Loads a model saved by `saveModel` or by the trainer. From a training checkpoint it takes the EMA
 * weights by default (`weights: 'live'` takes the last optimiser iterate instead). `source`: a directory or
 * `.safetensors` file by path (Node), a URL, a Response or the bytes; `onProgress`/`signal` follow the download.
 */
export async function loadModel(
  source: CheckpointSource,
  options: LongWorkOptions & { weights?: 'ema' | 'live' } = {},
): Promise<AutoregressiveModel & { training?: Record<string, unknown> }> {
  const info = await loadCheckpoint<SavedModelInfo>(source, undefined, options);
  const config = info.config;
  if (!config?.model?.kind) {
    for (const t of Object.values(info.tensors)) t.dispose();
    throw new CheckpointError(
      `${sourceName(source)} is not an autoregressive model checkpoint (its config has no model kind)`,
    );
  }
  const model = createModel(config.model);
  try {
    const own = model.module.stateDict();
    const state: Record<string, tf.Tensor> = {};
    for (const name of Object.keys(own)) {
      const t = (options.weights !== 'live' && info.tensors[`ema.${name}`]) || info.tensors[name];
      if (t) state[name] = t;
    }
    model.module.loadStateDict(state);
  } finally {
    for (const t of Object.values(info.tensors)) t.dispose();
  }
  model.module.eval();
  return { ...model, ...(config.training && { training: config.training }) };
}
