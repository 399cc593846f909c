import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { CheckpointError, tf } from '@scalespace/core';

// Converts a Keras image classifier that the npm package `nsfwjs` (MIT, Infinite Red) ships inside its
// tarball (browserify-wrapped model.json topology + base64 uint8-quantised weight shards) into a small
// graph of fused ops: every convolution absorbs the batch normalisation after it (and the ReLU /
// ReLU6 after that) as a per-channel scale folded into the kernel plus a bias. The classifier head
// (dense layers) is dropped. The result is what the feature trunk executes and what the cache stores.

export type TrunkName = 'inception-v3' | 'mobilenet-v2';

export const TRUNK_SOURCES: Record<TrunkName, { dir: string; shards: number; inputSize: number }> = {
  'inception-v3': { dir: 'inception_v3', shards: 6, inputSize: 299 },
  'mobilenet-v2': { dir: 'mobilenet_v2', shards: 1, inputSize: 224 },
};

/** One node of the converted graph; `input(s)` name earlier nodes ('input' is the image). */
export type GraphNode =
  | {
      op: 'conv' | 'dwconv';
      name: string;
      input: string;
      strides: [number, number];
      padding: 'same' | 'valid';
      activation: 'linear' | 'relu' | 'relu6';
      kernel: string;
      bias: string;
    }
  | {
      op: 'maxpool' | 'avgpool';
      name: string;
      input: string;
      pool: [number, number];
      strides: [number, number];
      padding: 'same' | 'valid';
    }
  | { op: 'concat' | 'add'; name: string; inputs: string[] }
  | { op: 'pad'; name: string; input: string; pads: [[number, number], [number, number]] }
  | { op: 'relu' | 'relu6'; name: string; input: string };

export interface ConvertedTrunk {
  nodes: GraphNode[];
  /** Names of graph outputs as Keras called the layer whose output each node reproduces. */
  aliases: Record<string, string>;
  tensors: Record<string, tf.Tensor>;
}

interface KerasLayer {
  class_name: string;
  name: string;
  config: Record<string, unknown>;
  inbound_nodes: Array<Array<[string, number, number, unknown]>>;
}

interface ModelFile {
  modelTopology: { model_config: { config: { layers: KerasLayer[] } } };
  weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
}

/** The folder of nsfwjs's bundled model files, found from this package's node_modules. */
export function nsfwjsModelDir(trunk: TrunkName): { dir: string; version: string } {
  const require = createRequire(join(process.cwd(), 'noop.js'));
  let main: string;
  try {
    main = createRequire(moduleUrl()).resolve('nsfwjs');
  } catch {
    try {
      main = require.resolve('nsfwjs');
    } catch (error) {
      throw new CheckpointError(
        `the ${trunk} feature trunk needs the npm package "nsfwjs" (its weights ship inside it): install it next to @scalespace/metrics (${String(error)})`,
      );
    }
  }
  const root = join(dirname(main), '..', '..');
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
  return { dir: join(root, 'dist', 'models', TRUNK_SOURCES[trunk].dir), version };
}

function moduleUrl(): string {
  // ESM build: import.meta.url; CJS build (tsup shims it).
  return import.meta.url;
}

/** Reads nsfwjs's bundled files (browserify CommonJS wrappers) into the topology and the weight tensors. */
export function readNsfwjsModel(trunk: TrunkName): {
  layers: KerasLayer[];
  weights: tf.NamedTensorMap;
  version: string;
} {
  const { dir, version } = nsfwjsModelDir(trunk);
  const load = createRequire(join(dir, 'model.min.js'));
  const model = load(join(dir, 'model.min.js')) as ModelFile;
  const manifest = model.weightsManifest[0];
  const buffers = manifest.paths.map((p) => Buffer.from(load(join(dir, `${p}.min.js`)) as string, 'base64'));
  const all = Buffer.concat(buffers);
  const bytes = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  const weights = tf.io.decodeWeights(bytes, manifest.weights);
  return { layers: model.modelTopology.model_config.config.layers, weights, version };
}

const HEAD_LAYERS = new Set(['Flatten', 'Dense', 'Dropout']);

/** Folds batch norms and activations into the convolutions and returns the executable graph. */
export function convertKerasTrunk(layers: KerasLayer[], weights: tf.NamedTensorMap): ConvertedTrunk {
  const byName = new Map(layers.map((l) => [l.name, l]));
  const consumers = new Map<string, string[]>();
  const inputsOf = (l: KerasLayer) => (l.inbound_nodes[0] ?? []).map((n) => n[0]);
  for (const l of layers) for (const i of inputsOf(l)) consumers.set(i, [...(consumers.get(i) ?? []), l.name]);
  const onlyConsumer = (name: string, kind: string) => {
    const c = consumers.get(name) ?? [];
    return c.length === 1 && byName.get(c[0])?.class_name === kind ? byName.get(c[0]) : undefined;
  };
  const nodes: GraphNode[] = [];
  const aliases: Record<string, string> = {};
  const tensors: Record<string, tf.Tensor> = {};
  const resolved = new Map<string, string>(); // Keras layer name -> graph node name holding its output
  const ref = (name: string) => {
    const r = resolved.get(name);
    if (!r) throw new CheckpointError(`trunk conversion: layer "${name}" is used before it is computed`);
    return r;
  };
  const absorbed = new Set<string>();
  for (const layer of layers) {
    if (absorbed.has(layer.name) || HEAD_LAYERS.has(layer.class_name)) continue;
    const cfg = layer.config;
    const ins = inputsOf(layer);
    switch (layer.class_name) {
      case 'InputLayer':
        resolved.set(layer.name, 'input');
        break;
      case 'Conv2D':
      case 'DepthwiseConv2D': {
        const depthwise = layer.class_name === 'DepthwiseConv2D';
        let kernel = weights[`${layer.name}/${depthwise ? 'depthwise_kernel' : 'kernel'}`];
        const outChannels = (depthwise ? kernel.shape[2] : kernel.shape[3]) as number;
        let bias = cfg.use_bias ? weights[`${layer.name}/bias`] : tf.zeros([outChannels]);
        let last = layer.name;
        let activation: 'linear' | 'relu' | 'relu6' = 'linear';
        const bn = onlyConsumer(last, 'BatchNormalization');
        if (bn) {
          const eps = (bn.config.epsilon as number) ?? 1e-3;
          const gamma = bn.config.scale ? weights[`${bn.name}/gamma`] : tf.ones([outChannels]);
          const beta = bn.config.center ? weights[`${bn.name}/beta`] : tf.zeros([outChannels]);
          const mean = weights[`${bn.name}/moving_mean`];
          const variance = weights[`${bn.name}/moving_variance`];
          const [k2, b2] = tf.tidy(() => {
            const s = tf.div(gamma, tf.sqrt(tf.add(variance, eps)));
            const k = depthwise ? tf.mul(kernel, tf.reshape(s, [1, 1, outChannels, 1])) : tf.mul(kernel, s);
            return [k, tf.add(tf.mul(tf.sub(bias, mean), s), beta)];
          });
          if (!cfg.use_bias) bias.dispose();
          kernel = k2;
          bias = b2;
          absorbed.add(bn.name);
          last = bn.name;
        }
        const act = onlyConsumer(last, 'Activation') ?? onlyConsumer(last, 'ReLU');
        if (act) {
          if (act.class_name === 'Activation' && act.config.activation === 'relu') activation = 'relu';
          else if (act.class_name === 'ReLU' && act.config.max_value === 6 && !act.config.negative_slope)
            activation = 'relu6';
          else if (act.class_name === 'ReLU' && act.config.max_value == null && !act.config.negative_slope)
            activation = 'relu';
          if (activation !== 'linear') {
            absorbed.add(act.name);
            last = act.name;
          }
        }
        const strides = cfg.strides as [number, number];
        nodes.push({
          op: depthwise ? 'dwconv' : 'conv',
          name: last,
          input: ref(ins[0]),
          strides,
          padding: cfg.padding as 'same' | 'valid',
          activation,
          kernel: `${layer.name}.kernel`,
          bias: `${layer.name}.bias`,
        });
        tensors[`${layer.name}.kernel`] = kernel;
        tensors[`${layer.name}.bias`] = bias;
        resolved.set(last, last);
        if (last !== layer.name) aliases[layer.name] = last;
        break;
      }
      case 'MaxPooling2D':
      case 'AveragePooling2D':
        nodes.push({
          op: layer.class_name === 'MaxPooling2D' ? 'maxpool' : 'avgpool',
          name: layer.name,
          input: ref(ins[0]),
          pool: cfg.pool_size as [number, number],
          strides: (cfg.strides as [number, number]) ?? (cfg.pool_size as [number, number]),
          padding: cfg.padding as 'same' | 'valid',
        });
        resolved.set(layer.name, layer.name);
        break;
      case 'Concatenate':
      case 'Add':
        nodes.push({ op: layer.class_name === 'Add' ? 'add' : 'concat', name: layer.name, inputs: ins.map(ref) });
        resolved.set(layer.name, layer.name);
        break;
      case 'ZeroPadding2D':
        nodes.push({
          op: 'pad',
          name: layer.name,
          input: ref(ins[0]),
          pads: cfg.padding as [[number, number], [number, number]],
        });
        resolved.set(layer.name, layer.name);
        break;
      case 'Activation':
      case 'ReLU': {
        const six = layer.class_name === 'ReLU' && cfg.max_value === 6;
        if (layer.class_name === 'Activation' && cfg.activation !== 'relu')
          throw new CheckpointError(`trunk conversion: unsupported activation "${cfg.activation}" in ${layer.name}`);
        nodes.push({ op: six ? 'relu6' : 'relu', name: layer.name, input: ref(ins[0]) });
        resolved.set(layer.name, layer.name);
        break;
      }
      default:
        throw new CheckpointError(`trunk conversion: unsupported Keras layer ${layer.class_name} (${layer.name})`);
    }
  }
  return { nodes, aliases, tensors };
}
