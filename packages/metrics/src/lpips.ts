import { CheckpointError, InvalidArgumentError, InvalidImageError, loadTensors, tf } from '@scalespace/core';
import { makePerceptualDistance, normalizedSquaredDifference, type PerceptualDistance } from './perceptual.js';

// LPIPS (Zhang, Isola, Efros, Shechtman, Wang, CVPR 2018), version 0.1, from weights the user converts
// once (see the README): the torchvision AlexNet / VGG16 feature slices that LPIPS taps, on inputs mapped
// to [-1, 1] and then shifted and scaled per channel (LPIPS's ScalingLayer); at each tapped ReLU the
// channel vectors are unit-normalised, squared differences weighted by the 1x1 non-negative linear head,
// averaged over space, and the layers summed. The trunks are written here with tfjs ops (NHWC, HWIO
// filters); the tensor names are those of `lpips.LPIPS(net=...).state_dict()`. No such weights exist on
// scalespace's machines: `fixtures/make-lpips-reference.py` checks this code on a synthetic state dict.

export type LpipsNet = 'alex' | 'vgg';

export interface LpipsOptions {
  /** A safetensors file holding the state dict of `lpips.LPIPS(net)`: trunk `net.slice*` and heads `lin*`. */
  weights: string;
  /** The trunk the weights belong to: AlexNet (LPIPS's default) or VGG16. */
  net: LpipsNet;
}

/** One convolution of a trunk: torchvision's index in `features`, and what runs before it. */
interface Conv {
  /** The state-dict prefix, e.g. `net.slice1.0`. */
  name: string;
  out: number;
  in: number;
  kernel: number;
  stride: number;
  pad: number;
  /** Max-pool (size, stride, no padding) applied before the convolution. */
  pool?: number;
  /** Whether the ReLU after it is one of LPIPS's tapped layers. */
  tap: boolean;
}

interface NetSpec {
  convs: Conv[];
  layers: string[];
  /** The smallest side every tapped layer has at least one position for. */
  minSide: number;
}

function conv(slice: number, index: number, out: number, cin: number, kernel: number, extra: Partial<Conv> = {}): Conv {
  return {
    name: `net.slice${slice}.${index}`,
    out,
    in: cin,
    kernel,
    stride: 1,
    pad: (kernel - 1) / 2,
    tap: false,
    ...extra,
  };
}

function vgg16(): Conv[] {
  // features: [conv, relu] x 2, pool, [conv, relu] x 2, pool, [conv, relu] x 3, pool, ... (pools are 2x2 / 2).
  const convs: Conv[] = [];
  let index = 0;
  let cin = 3;
  [
    [64, 2],
    [128, 2],
    [256, 3],
    [512, 3],
    [512, 3],
  ].forEach(([width, count], stage) => {
    for (let k = 0; k < count; k++) {
      if (stage > 0 && k === 0) index++;
      convs.push(
        conv(stage + 1, index, width, cin, 3, { pool: stage > 0 && k === 0 ? 2 : undefined, tap: k === count - 1 }),
      );
      index += 2;
      cin = width;
    }
  });
  return convs;
}

const NETS: Record<LpipsNet, NetSpec> = {
  // torchvision's AlexNet features: conv 11x11/4 pad 2, relu | pool 3/2, conv 5x5 pad 2, relu | pool 3/2,
  // conv 3x3, relu | conv 3x3, relu | conv 3x3, relu (LPIPS's five slices end at each ReLU).
  alex: {
    convs: [
      conv(1, 0, 64, 3, 11, { stride: 4, pad: 2, tap: true }),
      conv(2, 3, 192, 64, 5, { pool: 3, tap: true }),
      conv(3, 6, 384, 192, 3, { pool: 3, tap: true }),
      conv(4, 8, 256, 384, 3, { tap: true }),
      conv(5, 10, 256, 256, 3, { tap: true }),
    ],
    layers: ['relu1', 'relu2', 'relu3', 'relu4', 'relu5'],
    minSide: 31,
  },
  vgg: {
    convs: vgg16(),
    layers: ['relu1_2', 'relu2_2', 'relu3_3', 'relu4_3', 'relu5_3'],
    minSide: 16,
  },
};

// LPIPS's ScalingLayer: (x - shift) / scale on [-1, 1] inputs.
const SHIFT = [-0.03, -0.088, -0.188];
const SCALE = [0.458, 0.448, 0.45];

/** The tensors an LPIPS weights file must hold for `net`, with their PyTorch shapes ([out, in, kh, kw]). */
export function lpipsTensorShapes(net: LpipsNet): Record<string, number[]> {
  const spec = NETS[net];
  if (!spec) throw new InvalidArgumentError(`lpips: net must be 'alex' or 'vgg', got ${JSON.stringify(net)}`);
  const shapes: Record<string, number[]> = {};
  for (const c of spec.convs) {
    shapes[`${c.name}.weight`] = [c.out, c.in, c.kernel, c.kernel];
    shapes[`${c.name}.bias`] = [c.out];
  }
  spec.convs
    .filter((c) => c.tap)
    .forEach((c, k) => {
      shapes[`lin${k}.model.1.weight`] = [1, c.out, 1, 1];
    });
  return shapes;
}

const same = (a: number[], b: number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * Reads and checks an LPIPS weights file; returns the trunk filters (HWIO), biases and head weights as
 * tensors. Every missing, misnamed, misshaped or negative-head tensor is listed in one error.
 */
async function readWeights(file: string, net: LpipsNet): Promise<Record<string, tf.Tensor>> {
  const { tensors } = await loadTensors(file);
  const expected = lpipsTensorShapes(net);
  const problems: string[] = [];
  const found = new Map<string, string>(); // expected name -> name in the file
  for (const [name, shape] of Object.entries(expected)) {
    // A head saved without LPIPS's dropout module is `lin0.model.0.weight`: the same tensor.
    const alias = name.replace('.model.1.', '.model.0.');
    const key = name in tensors ? name : alias !== name && alias in tensors ? alias : undefined;
    if (key === undefined) {
      problems.push(`missing ${name} [${shape.join(', ')}]`);
      continue;
    }
    found.set(name, key);
    const t = tensors[key];
    if (t.dtype !== 'float32') problems.push(`${key} is ${t.dtype}, expected floats`);
    else if (!same(t.shape, shape))
      problems.push(`${key} has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`);
    else if (name.startsWith('lin') && (t.values as Float32Array).some((v) => v < 0)) {
      problems.push(
        `${key} has negative weights; LPIPS's linear heads are non-negative (clamp them, or check the file)`,
      );
    }
  }
  const used = new Set(found.values());
  for (const [name, t] of Object.entries(tensors)) {
    if (used.has(name)) continue;
    const constants = name === 'scaling_layer.shift' ? SHIFT : name === 'scaling_layer.scale' ? SCALE : undefined;
    if (!constants) problems.push(`unexpected ${name} [${t.shape.join(', ')}]`);
    else if (t.values.length !== 3 || constants.some((v, i) => Math.abs(t.values[i] - v) > 1e-6)) {
      problems.push(`${name} is [${Array.from(t.values).join(', ')}], not LPIPS v0.1's [${constants.join(', ')}]`);
    }
  }
  if (problems.length > 0) {
    throw new CheckpointError(
      `lpips(${net}): "${file}" does not match LPIPS ${net} (${problems.length} problem${problems.length > 1 ? 's' : ''}):\n` +
        problems.map((p) => `  - ${p}`).join('\n') +
        `\nExpected the state dict of lpips.LPIPS(net='${net}') saved with safetensors; the README of @scalespace/metrics has the conversion.`,
    );
  }
  const weights: Record<string, tf.Tensor> = {};
  for (const [name, key] of found) {
    const t = tensors[key];
    weights[name] = tf.tidy(() => {
      const x = tf.tensor(t.values as Float32Array, t.shape, 'float32');
      if (name.startsWith('lin')) return tf.reshape(x, [-1, 1]); // [C, 1], for a matMul
      return name.endsWith('.weight') ? tf.transpose(x, [2, 3, 1, 0]) : x; // [out, in, kh, kw] -> HWIO
    });
  }
  return weights;
}

/** Runs the trunk on a batch in [0, 1]: the tapped ReLU outputs, NHWC. */
function trunkFeatures(spec: NetSpec, weights: Record<string, tf.Tensor>, images: tf.Tensor4D): tf.Tensor4D[] {
  const shift = tf.tensor1d(SHIFT);
  const scale = tf.tensor1d(SCALE);
  let h = tf.div(tf.sub(tf.sub(tf.mul(images, 2), 1), shift), scale) as tf.Tensor4D;
  const taps: tf.Tensor4D[] = [];
  for (const c of spec.convs) {
    if (c.pool) h = tf.maxPool(h, c.pool, 2, 'valid');
    // PyTorch pads symmetrically; 'same' is that for stride 1 and odd kernels, else pad explicitly.
    const padSame = c.stride === 1 && 2 * c.pad === c.kernel - 1;
    if (!padSame && c.pad > 0) {
      h = tf.pad(h, [
        [0, 0],
        [c.pad, c.pad],
        [c.pad, c.pad],
        [0, 0],
      ]);
    }
    h = tf.fused.conv2d({
      x: h,
      filter: weights[`${c.name}.weight`] as tf.Tensor4D,
      bias: weights[`${c.name}.bias`],
      strides: c.stride,
      pad: padSame ? 'same' : 'valid',
      activation: 'relu',
    });
    if (c.tap) taps.push(h);
  }
  return taps;
}

/**
 * LPIPS v0.1 from the official weights, converted once to safetensors (see the README). Returns a
 * `PerceptualDistance`: `(a, b) => number` (mean over a batch) with `name`, `layers`, `perImage` and
 * `dispose` (frees the weights). Images [H, W, 3], grey [H, W, 1] or batches, in [0, 1], same shape, at
 * least 31 px (AlexNet) or 16 px (VGG16) on each side, run at their own size as LPIPS does.
 */
export async function lpips(options: LpipsOptions): Promise<PerceptualDistance> {
  const { weights: file, net } = options ?? ({} as LpipsOptions);
  if (net !== 'alex' && net !== 'vgg') {
    throw new InvalidArgumentError(`lpips: net must be 'alex' or 'vgg', got ${JSON.stringify(net)}`);
  }
  if (typeof file !== 'string' || file.length === 0) {
    throw new InvalidArgumentError(
      'lpips: weights must be the path of a safetensors file converted from the official LPIPS weights (see the README)',
    );
  }
  const spec = NETS[net];
  const weights = await readWeights(file, net);
  const heads = Object.keys(weights)
    .filter((n) => n.startsWith('lin'))
    .sort()
    .map((n) => weights[n] as tf.Tensor2D);
  const name = `lpips/${net}`;
  return makePerceptualDistance(
    name,
    spec.layers,
    (a, b) => {
      const [h, w] = [a.shape[1], a.shape[2]];
      if (Math.min(h, w) < spec.minSide) {
        throw new InvalidImageError(
          `${name}: images need at least ${spec.minSide}x${spec.minSide} pixels, got ${h}x${w}; upsample both first (LPIPS itself fails on them)`,
        );
      }
      const fa = trunkFeatures(spec, weights, a);
      const fb = trunkFeatures(spec, weights, b);
      const perLayer = fa.map((f, k) => tf.reshape(tf.matMul(normalizedSquaredDifference(f, fb[k]), heads[k]), [-1]));
      return tf.addN(perLayer) as tf.Tensor1D;
    },
    () => tf.dispose(Object.values(weights)),
  );
}
