import {
  CheckpointError,
  InvalidArgumentError,
  type StateDict,
  type TorchCheckpoint,
  type TorchFiles,
  type TorchTensor,
  tf,
} from '@scalespace/core';
import { type AutoregressiveModel, createModel } from './model-io.js';
import type { PixelCNN } from './pixelcnn.js';

// PixelCNN++ as visinf/pixelpyramids implements it (unet/pixelcnnpp.py: PixelCNNpp with 2 resolutions,
// DeepPixelCNNpp with 3, VeryDeepPixelCNNpp with 6), state dicts with these names:
//   u_input, ul_input_d, ul_input_dr        the initial shifted convs (scalespace: uInit, ulInitAbove, ulInitLeft)
//   up_u_modules.<m>, up_ul_modules.<m>     per resolution n_res_layers gated blocks (c1, c2, and c1c in ul),
//                                           then a stride-2 shifted conv (scalespace: uBlocks / ulBlocks and
//                                           unet.uShrink / unet.ulShrink)
//   down_u_modules.<m>, down_ul_modules.<m> n_res_layers blocks, then per resolution a stride-2 shifted transposed
//                                           conv and n_res_layers + 1 blocks (unet.uBlocks / ulBlocks,
//                                           unet.uGrow / ulGrow); its ul blocks read the u stream
//                                           (unet.downUlInput 'u')
//   output_conv                             the 1x1 conv to the mixture parameters (scalespace: out)
// Every conv is weight-normalised (weight_g, weight_v: the weight is g * v / ||v||, the norm over all but the
// first axis), folded here into one weight. The mixture's channels are [logits (K) | (means, log-scales,
// coefficients), each K x C component-major]; core's are [logits | means | log-scales | coefficients] channel-major
// (officialMixtureOrder).

export interface ConvertPixelCNNOptions {
  /** Bits per value the network was trained on (the official n_bits: 5 or 8 in the published configs). */
  bits: number;
  /** Image height and width for sampling (default 4 x 4: PixelPyramids' coarsest level). */
  height?: number;
  width?: number;
}

/** For each of core's mixture parameters, the official output channel it comes from. */
export function officialMixtureOrder(channels: number, components: number): number[] {
  const k = components;
  const c = channels;
  const order = Array.from({ length: k }, (_, i) => i); // logits
  for (const block of [0, 1]) // means, log-scales
    for (let ch = 0; ch < c; ch++) for (let j = 0; j < k; j++) order.push(k + block * k * c + j * c + ch);
  // Coefficients, core's pairs (1,0), (2,0), (2,1): the official coeffs[:, :, 0], [1], [2].
  for (let pair = 0; pair < (c * (c - 1)) / 2; pair++)
    for (let j = 0; j < k; j++) order.push(k + 2 * k * c + j * c + pair);
  return order;
}

/** A conv's weight with any weight norm folded in, in PyTorch's layout, as float64. */
function foldedWeight(tensors: Record<string, TorchTensor>, name: string, label: string) {
  const plain = tensors[`${name}.weight`];
  if (plain) return { values: Float64Array.from(plain.values), shape: plain.shape };
  const v = tensors[`${name}.weight_v`];
  const g = tensors[`${name}.weight_g`];
  if (!v || !g) throw new CheckpointError(`${label} is missing ${name}.weight_v / weight_g (or ${name}.weight)`);
  const rows = v.shape[0];
  if (g.values.length !== rows)
    throw new CheckpointError(`${label}: ${name}.weight_g has shape [${g.shape}], expected [${rows}, 1, 1, 1]`);
  const size = v.values.length / rows;
  const values = new Float64Array(v.values.length);
  for (let r = 0; r < rows; r++) {
    let norm = 0;
    for (let i = r * size; i < (r + 1) * size; i++) norm += Number(v.values[i]) ** 2;
    const scale = Number(g.values[r]) / Math.sqrt(norm);
    for (let i = r * size; i < (r + 1) * size; i++) values[i] = Number(v.values[i]) * scale;
  }
  return { values, shape: v.shape };
}

/** The tensors of the PixelCNN++ state dict in a checkpoint: at the top, or under one key (main.py's levels). */
function pixelCNNTensors(checkpoint: TorchCheckpoint, label: string): Record<string, TorchTensor> {
  const marker = /^(?:(.*)\.)?u_input\.weight(?:_v)?$/;
  const prefixes = [...new Set(Object.keys(checkpoint.tensors).flatMap((n) => marker.exec(n)?.[1] ?? []))];
  const bare = Object.keys(checkpoint.tensors).some((n) => marker.exec(n) && !marker.exec(n)?.[1]);
  if (bare) prefixes.unshift('');
  if (prefixes.length === 0) {
    const found = Object.keys(checkpoint.tensors).slice(0, 4).join(', ') || 'none';
    throw new CheckpointError(
      `${label} is not a PixelCNN++ state dict: no u_input.weight_v (its tensors: ${found}); check --from`,
    );
  }
  if (prefixes.length > 1)
    throw new CheckpointError(
      `${label} holds several PixelCNN++ state dicts (under ${prefixes.join(', ')}); save one alone`,
    );
  const prefix = prefixes[0] ? `${prefixes[0]}.` : '';
  const tensors: Record<string, TorchTensor> = {};
  for (const [name, t] of Object.entries(checkpoint.tensors))
    if (name.startsWith(prefix)) tensors[name.slice(prefix.length)] = t;
  return tensors;
}

/** The number of `<list>.<m>.` entries. */
function entries(tensors: Record<string, TorchTensor>, list: string): number {
  let count = 0;
  for (const name of Object.keys(tensors)) {
    const m = new RegExp(`^${list}\\.(\\d+)\\.`).exec(name);
    if (m) count = Math.max(count, Number(m[1]) + 1);
  }
  return count;
}

/** The official network's layout read from its tensor names: filters, channels, blocks, resolutions, components. */
function officialLayout(tensors: Record<string, TorchTensor>, label: string) {
  const first = foldedWeight(tensors, 'u_input', label).shape;
  const filters = first[0];
  const channels = first[1] - 1;
  if (channels !== 1 && channels !== 3)
    throw new CheckpointError(`${label}: u_input reads ${channels} + 1 channels; the official loss models 1 or 3`);
  if (Object.keys(tensors).some((n) => n.includes('.proj_h.')))
    throw new CheckpointError(
      `${label} is class-conditional (proj_h, n_cond_classes); scalespace's PixelCNN has no class input`,
    );
  let resnets = 0;
  while (tensors[`up_u_modules.${resnets}.c1.bias`]) resnets++;
  const up = entries(tensors, 'up_u_modules');
  const resolutions = (up + 1) / (resnets + 1);
  const down = entries(tensors, 'down_u_modules');
  if (resnets < 1 || !Number.isInteger(resolutions) || down !== resnets + (resolutions - 1) * (resnets + 2))
    throw new CheckpointError(
      `${label}: up_u_modules has ${up} entries and down_u_modules ${down} with ${resnets} gated blocks per resolution; not a PixelCNNpp layout`,
    );
  const params = foldedWeight(tensors, 'output_conv', label).shape[0];
  const components = params / (1 + 3 * channels);
  if (!Number.isInteger(components))
    throw new CheckpointError(`${label}: output_conv gives ${params} channels, not a multiple of ${1 + 3 * channels}`);
  return { filters, channels, resnets, resolutions, components };
}

/** The official network in `checkpoint` as a scalespace PixelCNN (`unet`, downUlInput 'u'), in eval mode. */
export function pixelCNNFromTorch(
  checkpoint: TorchCheckpoint,
  options: ConvertPixelCNNOptions,
  label = 'the checkpoint',
): AutoregressiveModel {
  const { bits, height = 4, width = 4 } = options;
  if (!Number.isInteger(bits) || bits < 1 || bits > 8)
    throw new InvalidArgumentError(`bits must be the official n_bits, an integer in 1..8, got ${bits}`);
  const tensors = pixelCNNTensors(checkpoint, label);
  const { filters, channels, resnets, resolutions, components } = officialLayout(tensors, label);
  const used = new Set<string>();
  const state: StateDict = {};
  const conv = (official: string, ours: string, order?: number[]) => {
    const { values, shape } = foldedWeight(tensors, official, label);
    const bias = tensors[`${official}.bias`];
    if (!bias) throw new CheckpointError(`${label} is missing ${official}.bias`);
    for (const suffix of ['weight', 'weight_g', 'weight_v', 'bias']) used.add(`${official}.${suffix}`);
    const [rows, ...rest] = shape;
    const kept = order ?? Array.from({ length: rows }, (_, i) => i);
    const size = rest.reduce((a, b) => a * b, 1);
    const picked = new Float32Array(kept.length * size);
    for (const [i, r] of kept.entries()) picked.set(values.subarray(r * size, (r + 1) * size), i * size);
    // OIHW (a conv) or [in, out, kh, kw] (a transposed conv) -> tfjs' [kh, kw, in, out] / [kh, kw, out, in].
    state[`${ours}.weight`] = tf.tidy(() => tf.transpose(tf.tensor(picked, [kept.length, ...rest]), [2, 3, 1, 0]));
    state[`${ours}.bias`] = tf.tensor1d(Float32Array.from(kept, (r) => Number(bias.values[r])));
  };
  const block = (official: string, ours: string, aux: boolean) => {
    conv(`${official}.c1`, `${ours}.conv1.conv`);
    conv(`${official}.c2`, `${ours}.conv2.conv`);
    if (aux) conv(`${official}.c1c`, `${ours}.aux`);
  };
  try {
    conv('u_input', 'uInit.conv');
    conv('ul_input_d', 'ulInitAbove.conv');
    conv('ul_input_dr', 'ulInitLeft.conv');
    let b = 0;
    for (let m = 0; m < resolutions * (resnets + 1) - 1; m++) {
      const step = Math.floor(m / (resnets + 1));
      if (m % (resnets + 1) === resnets) {
        conv(`up_u_modules.${m}`, `unet.uShrink.${step}.conv`);
        conv(`up_ul_modules.${m}`, `unet.ulShrink.${step}.conv`);
      } else {
        block(`up_u_modules.${m}`, `uBlocks.${b}`, false);
        block(`up_ul_modules.${m}`, `ulBlocks.${b++}`, true);
      }
    }
    let k = 0;
    let grow = 0;
    for (let m = 0; m < resnets + (resolutions - 1) * (resnets + 2); m++) {
      if (m >= resnets && (m - resnets) % (resnets + 2) === 0) {
        conv(`down_u_modules.${m}`, `unet.uGrow.${grow}`);
        conv(`down_ul_modules.${m}`, `unet.ulGrow.${grow++}`);
      } else {
        block(`down_u_modules.${m}`, `unet.uBlocks.${k}`, true);
        block(`down_ul_modules.${m}`, `unet.ulBlocks.${k++}`, true);
      }
    }
    conv('output_conv', 'out', officialMixtureOrder(channels, components));
    const unexpected = Object.keys(tensors).filter((n) => !used.has(n));
    if (unexpected.length > 0)
      throw new CheckpointError(`${label} has tensors a PixelCNNpp does not: ${unexpected.slice(0, 4).join(', ')}`);
    const model = createModel({
      kind: 'pixelcnn',
      model: {
        channels,
        bits,
        filters,
        resnets,
        components,
        height,
        width,
        unet: { resolutions, downUlInput: 'u' },
      },
    });
    try {
      model.module.loadStateDict(state);
    } catch (error) {
      model.module.dispose();
      throw error;
    }
    (model.module as PixelCNN).eval();
    return model;
  } finally {
    tf.dispose(Object.values(state));
  }
}

/** Converts the official PyTorch file at `files.path` (a state dict, or main.py's dict of levels holding one). */
export async function convertPixelCNN(
  files: TorchFiles,
  options: ConvertPixelCNNOptions,
): Promise<AutoregressiveModel> {
  if (await files.isFolder())
    throw new CheckpointError(
      `"${files.path}" is a folder; give the PixelCNN++ .pt file (a state dict or main.py's checkpoint)`,
    );
  const checkpoint = await files.readTorch('', { stripModulePrefix: true });
  return pixelCNNFromTorch(checkpoint, options, `"${files.path}"`);
}
