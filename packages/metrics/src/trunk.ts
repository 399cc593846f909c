import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  CheckpointError,
  InvalidArgumentError,
  InvalidImageError,
  loadTensors,
  saveTensors,
  tf,
} from '@scalespace/core';
import {
  type ConvertedTrunk,
  convertKerasTrunk,
  type GraphNode,
  nsfwjsModelDir,
  readNsfwjsModel,
  TRUNK_SOURCES,
  type TrunkName,
} from './trunk-convert.js';

// A convolutional feature trunk for FID, KID, SIFID and the perceptual distance. The weights are the
// ImageNet-derived InceptionV3 / MobileNetV2 classifiers that the npm package `nsfwjs` ships (fine-tuned
// by its authors for a 5-class content classifier, uint8-quantised). They are NOT the official FID
// Inception weights (pt_inception-2015-12-05), which no npm package ships and which cannot be
// downloaded at run time here: values are comparable within scalespace only, never with papers.
// Inputs are RGB in [0, 1], as nsfwjs feeds them.

export type { TrunkName } from './trunk-convert.js';

const FORMAT = 'scalespace-trunk-1';

/** Layer sets of each trunk (Keras layer names of nsfwjs's models). */
export const TRUNK_LAYERS: Record<
  TrunkName,
  { pooled: string; early: string; earlyDescription: string; perceptual: string[]; minSide: number }
> = {
  'inception-v3': {
    pooled: 'mixed10',
    early: 'max_pooling2d_1',
    earlyDescription: "InceptionV3 after the first max-pool (64 channels, stride 4), as SinGAN's SIFID",
    perceptual: ['activation_3', 'activation_5', 'mixed2', 'mixed7'],
    minSide: 75,
  },
  'mobilenet-v2': {
    pooled: 'out_relu',
    early: 'block_2_add',
    earlyDescription:
      "MobileNetV2 after block 2 (24 channels, stride 4), the stage at the same stride as InceptionV3's first max-pool",
    perceptual: ['Conv1_relu', 'block_2_add', 'block_5_add', 'block_12_add', 'out_relu'],
    minSide: 32,
  },
};

export interface LoadTrunkOptions {
  /** Which of nsfwjs's classifiers (default 'inception-v3'). */
  trunk?: TrunkName;
  /**
   * Folder of the converted cache (one safetensors file per trunk); default `$SCALESPACE_TRUNK_CACHE`,
   * else `$XDG_CACHE_HOME/scalespace/trunks`, else `~/.cache/scalespace/trunks`. `false`: convert in memory.
   */
  cacheDir?: string | false;
}

/** The default cache folder of converted trunks. */
export function trunkCacheDir(): string {
  if (process.env.SCALESPACE_TRUNK_CACHE) return process.env.SCALESPACE_TRUNK_CACHE;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'scalespace', 'trunks');
}

/** A converted trunk: runs the fused graph up to the layers asked for. */
export class FeatureTrunk {
  readonly name: TrunkName;
  /** The input side the classifier was trained at (299 or 224). */
  readonly inputSize: number;
  readonly layers: (typeof TRUNK_LAYERS)[TrunkName];
  readonly #nodes: GraphNode[];
  readonly #weights: Record<string, tf.Tensor>;
  readonly #aliases: Record<string, string>;
  readonly #index: Map<string, number>;
  #disposed = false;

  constructor(
    name: TrunkName,
    nodes: GraphNode[],
    aliases: Record<string, string>,
    weights: Record<string, tf.Tensor>,
  ) {
    this.name = name;
    this.inputSize = TRUNK_SOURCES[name].inputSize;
    this.layers = TRUNK_LAYERS[name];
    this.#nodes = nodes;
    this.#aliases = aliases;
    this.#weights = weights;
    this.#index = new Map(nodes.map((n, i) => [n.name, i]));
  }

  /** Names of every layer output the graph can return. */
  get layerNames(): string[] {
    return [...this.#nodes.map((n) => n.name), ...Object.keys(this.#aliases)];
  }

  /**
   * Runs the trunk on a batch [N, H, W, 3] in [0, 1] and returns the named layer outputs (NHWC), in
   * the order asked. Only the graph up to the last requested layer runs.
   */
  run(images: tf.Tensor4D, outputs: string[]): tf.Tensor4D[] {
    if (this.#disposed) throw new InvalidArgumentError(`the ${this.name} trunk was disposed`);
    if (images.rank !== 4 || images.shape[3] !== 3) {
      throw new InvalidImageError(
        `${this.name} trunk: expected a batch [N, H, W, 3], got [${images.shape.join(', ')}]; grey images need 3 channels (tf.tile)`,
      );
    }
    const wanted = outputs.map((o) => this.#aliases[o] ?? o);
    const stopAt = Math.max(
      ...wanted.map((w) => {
        const i = this.#index.get(w);
        if (i === undefined) {
          throw new InvalidArgumentError(
            `${this.name} trunk has no layer "${w}"; known: ${TRUNK_LAYERS[this.name].perceptual.join(', ')}, ${TRUNK_LAYERS[this.name].pooled}, ...`,
          );
        }
        return i;
      }),
    );
    const lastUse = new Map<string, number>();
    for (let i = 0; i <= stopAt; i++) {
      const n = this.#nodes[i];
      for (const input of 'inputs' in n ? n.inputs : [n.input]) lastUse.set(input, i);
    }
    const keep = new Set(wanted);
    const values = new Map<string, tf.Tensor4D>([['input', images]]);
    const result = tf.tidy(() => {
      for (let i = 0; i <= stopAt; i++) {
        const n = this.#nodes[i];
        values.set(n.name, this.#apply(n, values));
        for (const input of 'inputs' in n ? n.inputs : [n.input]) {
          if (lastUse.get(input) === i && !keep.has(input) && input !== 'input') {
            values.get(input)?.dispose();
            values.delete(input);
          }
        }
      }
      return wanted.map((w) => values.get(w) as tf.Tensor4D);
    });
    return result;
  }

  #apply(n: GraphNode, values: Map<string, tf.Tensor4D>): tf.Tensor4D {
    const get = (name: string) => values.get(name) as tf.Tensor4D;
    switch (n.op) {
      case 'conv':
      case 'dwconv': {
        const args = {
          x: get(n.input),
          filter: this.#weights[n.kernel] as tf.Tensor4D,
          strides: n.strides,
          pad: n.padding,
          bias: this.#weights[n.bias],
          activation: n.activation,
        };
        return n.op === 'conv' ? tf.fused.conv2d(args) : tf.fused.depthwiseConv2d(args);
      }
      case 'maxpool':
        return tf.maxPool(get(n.input), n.pool, n.strides, n.padding);
      case 'avgpool':
        return tf.avgPool(get(n.input), n.pool, n.strides, n.padding);
      case 'concat':
        return tf.concat(n.inputs.map(get), 3);
      case 'add':
        return tf.addN(n.inputs.map(get));
      case 'pad':
        return tf.pad(get(n.input), [[0, 0], n.pads[0], n.pads[1], [0, 0]]);
      case 'relu':
        return tf.relu(get(n.input));
      case 'relu6':
        return tf.relu6(get(n.input));
    }
  }

  /** Frees the weights. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    tf.dispose(Object.values(this.#weights));
  }
}

function cacheFile(dir: string, trunk: TrunkName, version: string): string {
  return join(dir, `nsfwjs-${version}-${trunk}-${FORMAT}.safetensors`);
}

/** Converts nsfwjs's model for `trunk` (parsing its bundled shards); slow, done once per cache. */
export function convertTrunk(trunk: TrunkName): ConvertedTrunk & { version: string } {
  const { layers, weights, version } = readNsfwjsModel(trunk);
  const converted = convertKerasTrunk(layers, weights);
  const kept = new Set(Object.values(converted.tensors));
  tf.dispose(Object.values(weights).filter((t) => !kept.has(t)));
  return { ...converted, version };
}

const loaded = new Map<string, Promise<FeatureTrunk>>();

/**
 * Loads a feature trunk, converting nsfwjs's bundled weights into the cache on first use (a few
 * seconds), then reading the cache (fast). Memoised per trunk and cache folder: callers share one
 * instance, so do not dispose a trunk you did not create with `new`.
 */
export function loadTrunk(options: LoadTrunkOptions = {}): Promise<FeatureTrunk> {
  const trunk = options.trunk ?? 'inception-v3';
  if (!(trunk in TRUNK_SOURCES)) {
    throw new InvalidArgumentError(`unknown trunk "${trunk}"; use one of ${Object.keys(TRUNK_SOURCES).join(', ')}`);
  }
  const dir = options.cacheDir === undefined ? trunkCacheDir() : options.cacheDir;
  const key = `${trunk}|${dir}`;
  let promise = loaded.get(key);
  if (!promise) {
    promise = readOrConvert(trunk, dir);
    loaded.set(key, promise);
    promise.catch(() => loaded.delete(key));
  }
  return promise;
}

async function readOrConvert(trunk: TrunkName, dir: string | false): Promise<FeatureTrunk> {
  if (dir !== false) {
    const { version } = nsfwjsModelDir(trunk);
    const file = cacheFile(dir, trunk, version);
    if (existsSync(file)) {
      const { tensors, metadata } = await loadTensors(file);
      if (metadata.format !== FORMAT) throw new CheckpointError(`${file} is not a ${FORMAT} cache; delete it`);
      const weights: Record<string, tf.Tensor> = {};
      for (const [name, t] of Object.entries(tensors)) weights[name] = tf.tensor(t.values as Float32Array, t.shape);
      return new FeatureTrunk(trunk, JSON.parse(metadata.graph), JSON.parse(metadata.aliases), weights);
    }
    const converted = convertTrunk(trunk);
    await mkdir(dir, { recursive: true });
    await saveTensors(file, converted.tensors, {
      format: FORMAT,
      graph: JSON.stringify(converted.nodes),
      aliases: JSON.stringify(converted.aliases),
      source: `nsfwjs@${version} dist/models/${TRUNK_SOURCES[trunk].dir} (MIT, Infinite Red); batch norms folded`,
    });
    return new FeatureTrunk(trunk, converted.nodes, converted.aliases, converted.tensors);
  }
  const converted = convertTrunk(trunk);
  return new FeatureTrunk(trunk, converted.nodes, converted.aliases, converted.tensors);
}
