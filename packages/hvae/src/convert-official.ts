import {
  CheckpointError,
  InvalidArgumentError,
  type TorchCheckpoint,
  type TorchFiles,
  type TorchTensor,
  tf,
} from '@scalespace/core';
import { type OfficialHps, vdvaeConfigFromOfficial } from './official-hps.js';
import { VDVAE } from './vdvae.js';
import { type ResolvedVDVAEConfig, resolveVDVAEConfig } from './vdvae-config.js';

// The official VD-VAE (github.com/openai/vdvae, vae.py) saves `VAE.state_dict()`: the same module tree and names as
// scalespace's VDVAE (encoder.in_conv, encoder.enc_blocks.i.c1..c4, decoder.dec_blocks.i.{enc,prior,z_proj,resnet},
// decoder.bias_xs.j, decoder.out_net.out_conv, decoder.gain, decoder.bias), in PyTorch layouts: conv weights
// [O, I, kh, kw], learned states and gain/bias [1, C, H, W], and the output head's channels in DmolNet's order.

/**
 * Where each output channel of scalespace's mixture head comes from in the official `DmolNet`, whose channels
 * are [logits (K) | per colour channel c: means (K), log-scales (K), coefficients (K)] (the coefficient slot of
 * channel c couples the pair (1,0), (2,0), (2,1) for c = 0, 1, 2). scalespace (core's logistic mixture) orders
 * them [logits | means c-major | log-scales c-major | coefficients pair-major].
 */
export function officialMixtureChannelOrder(channels: number, components: number): number[] {
  const k = components;
  const stride = channels === 3 ? 3 * k : 2 * k;
  const order = Array.from({ length: k }, (_, j) => j);
  for (let c = 0; c < channels; c++) for (let j = 0; j < k; j++) order.push(k + c * stride + j);
  for (let c = 0; c < channels; c++) for (let j = 0; j < k; j++) order.push(k + c * stride + k + j);
  if (channels === 3) for (let p = 0; p < 3; p++) for (let j = 0; j < k; j++) order.push(k + p * stride + 2 * k + j);
  return order;
}

const OUT_CONV = /^decoder\.out_net\.out_conv\./;
const NCHW_STATE = /^decoder\.(bias_xs\.\d+|gain|bias)$/;

/** The official shape of a scalespace parameter (the inverse of the layout changes below). */
function officialShape(name: string, shape: number[]): number[] {
  if (NCHW_STATE.test(name)) return [shape[0], shape[3], shape[1], shape[2]];
  if (shape.length === 4) return [shape[3], shape[2], shape[0], shape[1]];
  return shape;
}

/** An official tensor in scalespace's layout (a new tensor the caller owns). */
function toScalespace(name: string, t: TorchTensor, order: number[]): tf.Tensor {
  return tf.tidy(() => {
    let x: tf.Tensor = tf.tensor(t.values as Float32Array, t.shape, 'float32');
    if (NCHW_STATE.test(name)) x = tf.transpose(x, [0, 2, 3, 1]);
    else if (x.rank === 4) x = tf.transpose(x, [2, 3, 1, 0]);
    if (OUT_CONV.test(name)) x = tf.gather(x, tf.tensor1d(order, 'int32'), x.rank - 1);
    return x;
  });
}

/** The stem widths and block counts, checked before the (possibly large) network is built. */
function checkOutline(
  tensors: Record<string, TorchTensor>,
  config: ResolvedVDVAEConfig,
  hps: string,
  label: string,
): void {
  const outputs = config.numMixtures * 10;
  const stems: [string, number[], string][] = [
    ['encoder.in_conv.weight', [config.width, 3, 3, 3], `width ${config.width}`],
    ['decoder.out_net.out_conv.weight', [outputs, config.width, 1, 1], `num_mixtures ${config.numMixtures}`],
  ];
  for (const [name, want, because] of stems) {
    const shape = tensors[name].shape;
    if (shape.join() !== want.join())
      throw new CheckpointError(
        `${label}: ${name} has shape [${shape}], the network of ${hps} needs [${want}] (${because}): check --hps`,
      );
  }
  const count = (pattern: RegExp) => new Set(Object.keys(tensors).flatMap((n) => pattern.exec(n)?.[1] ?? [])).size;
  const blocks: [string, number, number][] = [
    ['encoder', count(/^encoder\.enc_blocks\.(\d+)\./), config.encoder.length],
    ['decoder', count(/^decoder\.dec_blocks\.(\d+)\./), config.decoder.length],
  ];
  for (const [part, found, want] of blocks) {
    if (found !== want)
      throw new CheckpointError(
        `${label} has ${found} ${part} blocks, the network of ${hps} has ${want} (${part === 'encoder' ? 'enc_blocks' : 'dec_blocks'}): check --hps`,
      );
  }
}

function hpsLabel(hps: string | OfficialHps): string {
  return typeof hps === 'string' ? `--hps ${hps}` : 'the given hps';
}

/**
 * An official VD-VAE state dict (`RUN-model-ema.th` read by `readTorchCheckpoint`) as a scalespace VDVAE, given the
 * run's hyper-parameters (an hps.py set name such as `ffhq256`, or the official hps by name). Every tensor's name
 * and shape is checked against the network the hyper-parameters describe; a mismatch is a CheckpointError saying
 * which tensor and what to check.
 */
export function vdvaeFromTorch(
  checkpoint: TorchCheckpoint,
  hps: string | OfficialHps,
  label = 'the checkpoint',
): VDVAE {
  const tensors: Record<string, TorchTensor> = {};
  for (const [name, t] of Object.entries(checkpoint.tensors)) tensors[name.replace(/^module\./, '')] = t;
  if (!tensors['encoder.in_conv.weight'] || !tensors['decoder.out_net.out_conv.weight']) {
    const found = Object.keys(tensors).slice(0, 4).join(', ') || 'none';
    throw new CheckpointError(
      `${label} is not an official VD-VAE state dict: it has no encoder.in_conv.weight and decoder.out_net.out_conv.weight (its tensors: ${found}); check --from`,
    );
  }
  const config = vdvaeConfigFromOfficial(hps);
  checkOutline(tensors, resolveVDVAEConfig(config), hpsLabel(hps), label);
  const model = new VDVAE(config);
  try {
    const variables = [...model.namedParameters(), ...model.namedBuffers()];
    const expected = new Set(variables.map(([name]) => name));
    for (const [name, variable] of variables) {
      const t = tensors[name];
      const want = officialShape(name, variable.shape);
      if (!t)
        throw new CheckpointError(
          `${label} has no ${name} [${want}], which the network of ${hpsLabel(hps)} needs: check --hps`,
        );
      if (t.shape.join() !== want.join())
        throw new CheckpointError(
          `${label}: ${name} has shape [${t.shape}], the network of ${hpsLabel(hps)} needs [${want}]: check --hps`,
        );
      if (t.dtype !== 'float32')
        throw new CheckpointError(`${label}: ${name} holds ${t.sourceDtype} values, not floating-point weights`);
    }
    const extra = Object.keys(tensors).filter((name) => !expected.has(name));
    if (extra.length > 0)
      throw new CheckpointError(
        `${label} has tensors the network of ${hpsLabel(hps)} does not: ${extra.slice(0, 4).join(', ')}${extra.length > 4 ? ', ...' : ''}; check --hps`,
      );
    const order = officialMixtureChannelOrder(config.imageChannels, config.numMixtures);
    // One tensor at a time, so converting a large model holds at most one extra copy of a weight.
    for (const [name, variable] of variables) {
      const value = toScalespace(name, tensors[name], order);
      variable.assign(value);
      value.dispose();
    }
    return model;
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/** Official checkpoint files in a folder: the EMA weights first (`...-model-ema.th`), else `...-model.th`. */
async function checkpointIn(files: TorchFiles): Promise<string> {
  if (!(await files.isFolder())) return '';
  const names = await files.list();
  for (const suffix of ['model-ema.th', 'model.th']) {
    const found = names.filter((n) => n.endsWith(suffix));
    if (found.length === 1) return found[0];
    if (found.length > 1)
      throw new InvalidArgumentError(
        `"${files.path}" holds several ...${suffix} files (${found.slice(0, 3).join(', ')}); give the one to convert`,
      );
  }
  throw new CheckpointError(
    `"${files.path}" holds no ...-model-ema.th or ...-model.th file: not an official VD-VAE run`,
  );
}

/**
 * Converts an official VD-VAE checkpoint: a `RUN-model-ema.th` (or `-model.th`) file, or the folder holding one,
 * with its hyper-parameters as an hps.py set name (`cifar10`, `imagenet32`, `imagenet64`, `ffhq256`, `ffhq1024`)
 * or the official hps by name (see `parseOfficialHps` for reading them from JSON or a run's log).
 */
export async function convertVDVAE(files: TorchFiles, options: { hps: string | OfficialHps }): Promise<VDVAE> {
  if (options?.hps === undefined)
    throw new InvalidArgumentError(
      'an official VD-VAE checkpoint holds no hyper-parameters: give hps (--hps cifar10|imagenet32|imagenet64|ffhq256|ffhq1024|FILE.json)',
    );
  vdvaeConfigFromOfficial(options.hps); // bad hyper-parameters fail before the file is read
  const relative = await checkpointIn(files);
  const checkpoint = await files.readTorch(relative, { stripModulePrefix: true });
  return vdvaeFromTorch(checkpoint, options.hps, `"${relative ? `${files.path}/${relative}` : files.path}"`);
}
