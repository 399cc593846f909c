import {
  CheckpointError,
  InvalidArgumentError,
  type StateDict,
  type TorchCheckpoint,
  type TorchFiles,
  type TorchTensor,
  tf,
} from '@scalespace/core';
import type { BFCNNConfig } from './bf-cnn.js';
import { FlatDenoiser } from './flat-denoiser.js';
import { MultiscaleDenoiser } from './multiscale-denoiser.js';
import { kernelSizesForReceptiveField, receptiveField } from './receptive-field.js';
import type { NetShape } from './types.js';

// The trained denoisers of Kadkhodaie, Guth, Mallat & Simoncelli (github.com/LabForComputationalVision/
// local-probability-models-of-images, code/network.py): state dicts of BF_CNN_RF (21 layers) and BF_CNN (the
// 20-layer low-pass net), saved from DataParallel (`module.` prefixes). Both are scalespace's BFCNN: bias-free
// convs (OIHW -> HWIO), the first one linear (no ReLU), then conv + BF_batchNorm (eval: x / running_sd * gammas)
// + ReLU, and a last linear conv; padding keeps the size. Every net outputs the noise: a flat net on the
// image, the low-pass net on the coarsest low-pass band, a conditional net on the three detail bands of its
// scale given [low-pass, noisy h, v, d] (PyWavelets band order and the 1 / 2^(j+1) normalisation, both equal to
// scalespace's Haar step).

/** One official network as a BFCNN config and state dict (tensors the caller disposes). */
export function officialNetFromTorch(
  checkpoint: TorchCheckpoint,
  label: string,
): { config: BFCNNConfig; state: StateDict } {
  const tensors = stripModule(checkpoint.tensors);
  const convs: TorchTensor[] = [];
  while (tensors[`conv_layers.${convs.length}.weight`]) convs.push(tensors[`conv_layers.${convs.length}.weight`]);
  if (convs.length < 2) {
    const found = Object.keys(tensors).slice(0, 4).join(', ') || 'none';
    throw new CheckpointError(
      `${label} is not a Kadkhodaie denoiser: it has no conv_layers.0.weight and .1.weight (its tensors: ${found}); check --from`,
    );
  }
  const depth = convs.length;
  const width = convs[0].shape[0];
  for (const [i, w] of convs.entries()) {
    const [out, inputs, kh, kw] = w.shape;
    const wantIn = i === 0 ? inputs : width;
    const wantOut = i === depth - 1 ? out : width;
    if (w.shape.length !== 4 || kh !== kw || kh % 2 !== 1 || inputs !== wantIn || out !== wantOut) {
      throw new CheckpointError(
        `${label}: conv_layers.${i}.weight has shape [${w.shape}], expected [${wantOut}, ${wantIn}, k, k] with k odd`,
      );
    }
  }
  const expected = new Set(convs.map((_, i) => `conv_layers.${i}.weight`));
  const gains: TorchTensor[] = [];
  const stds: TorchTensor[] = [];
  for (let j = 0; j < depth - 2; j++) {
    for (const [name, into] of [
      [`BN_layers.${j}.gammas`, gains],
      [`BN_layers.${j}.running_sd`, stds],
    ] as const) {
      const t = tensors[name];
      if (!t)
        throw new CheckpointError(`${label} is missing ${name} (a ${depth}-layer net has ${depth - 2} BN layers)`);
      if (t.values.length !== width)
        throw new CheckpointError(`${label}: ${name} has shape [${t.shape}], expected [1, ${width}, 1, 1]`);
      expected.add(name);
      into.push(t);
    }
  }
  const unexpected = Object.keys(tensors).filter((n) => !expected.has(n));
  if (unexpected.length > 0)
    throw new CheckpointError(
      `${label} has tensors a ${depth}-layer BF-CNN does not: ${unexpected.slice(0, 4).join(', ')}`,
    );

  const kernelSizes = convs.map((w) => w.shape[2]);
  const rf = receptiveField(kernelSizes);
  const config: BFCNNConfig = {
    inChannels: convs[0].shape[1],
    outChannels: convs[depth - 1].shape[0],
    depth,
    width,
    rf,
    linearFirstLayer: true,
  };
  if (!sameLayout(kernelSizes, depth, rf)) config.kernelSizes = kernelSizes;
  const state: StateDict = {};
  for (const [i, w] of convs.entries())
    state[`convs.${i}.weight`] = tf.tidy(() => tf.transpose(tf.tensor(w.values, w.shape, 'float32'), [2, 3, 1, 0]));
  for (let j = 0; j < depth - 2; j++) {
    state[`norms.${j}.gain`] = tf.tensor1d(gains[j].values as Float32Array, 'float32');
    state[`norms.${j}.runningStd`] = tf.tensor1d(stds[j].values as Float32Array, 'float32');
  }
  return { config, state };
}

function stripModule(tensors: Record<string, TorchTensor>): Record<string, TorchTensor> {
  const out: Record<string, TorchTensor> = {};
  for (const [name, t] of Object.entries(tensors)) out[name.replace(/^module\./, '')] = t;
  return out;
}

function sameLayout(kernelSizes: number[], depth: number, rf: number): boolean {
  try {
    return kernelSizesForReceptiveField(depth, rf).every((k, i) => k === kernelSizes[i]);
  } catch {
    return false;
  }
}

function netShape(config: BFCNNConfig): NetShape {
  const { depth, width, rf, kernelSizes, linearFirstLayer } = config;
  return { depth, width, rf, ...(kernelSizes && { kernelSizes }), ...(linearFirstLayer && { linearFirstLayer }) };
}

/** Loads a converted state into a new model (every name and shape checked), freeing the state. */
function withState<M extends FlatDenoiser | MultiscaleDenoiser>(model: M, state: StateDict): M {
  try {
    model.loadStateDict(state);
    return model;
  } catch (error) {
    model.dispose();
    throw error;
  } finally {
    tf.dispose(Object.values(state));
  }
}

/** A flat official denoiser (BF_CNN_RF with `coarse`: 1 or 3 channels in and out) as a FlatDenoiser. */
export function flatDenoiserFromTorch(checkpoint: TorchCheckpoint, label = 'the checkpoint'): FlatDenoiser {
  const { config, state } = officialNetFromTorch(checkpoint, label);
  const { inChannels, outChannels } = config;
  if (inChannels !== outChannels || (inChannels !== 1 && inChannels !== 3)) {
    tf.dispose(Object.values(state));
    const conditional = inChannels === 3 * outChannels + 1 || inChannels === (4 * outChannels) / 3;
    throw new CheckpointError(
      conditional
        ? `${label} is a conditional (wavelet detail) network of a multi-scale set (${inChannels} channels in, ${outChannels} out); convert the folder holding the whole set`
        : `${label} maps ${inChannels} channels to ${outChannels}: not a flat denoiser of a grey or RGB image`,
    );
  }
  const channels = inChannels as 1 | 3;
  const named: StateDict = {};
  for (const [name, t] of Object.entries(state)) named[`net.${name}`] = t;
  return withState(new FlatDenoiser({ kind: 'flat', channels, net: netShape(config) }), named);
}

/**
 * An official multi-scale set (a low-pass net, and one conditional net per scale, finest first) as a
 * MultiscaleDenoiser with noise-predicting conditionals. The official conditional nets take 1 + 3 C channels,
 * so only grey sets (C = 1) exist and convert.
 */
export function multiscaleDenoiserFromTorch(
  lowpass: TorchCheckpoint,
  scales: TorchCheckpoint[],
  labels: { lowpass: string; scales: string[] } = {
    lowpass: 'the low-pass net',
    scales: scales.map((_, j) => `scale ${j}`),
  },
): MultiscaleDenoiser {
  if (scales.length < 1) throw new InvalidArgumentError('a multi-scale set needs at least one conditional net');
  const nets: { config: BFCNNConfig; state: StateDict }[] = [];
  try {
    nets.push(officialNetFromTorch(lowpass, labels.lowpass));
    for (const [j, scale] of scales.entries()) nets.push(officialNetFromTorch(scale, labels.scales[j]));
    const [low, ...conditionals] = nets;
    if (low.config.inChannels !== 1 || low.config.outChannels !== 1)
      throw new CheckpointError(
        `${labels.lowpass} maps ${low.config.inChannels} channels to ${low.config.outChannels}, not a grey low-pass net`,
      );
    const shape = netShape(conditionals[0].config);
    for (const [j, net] of conditionals.entries()) {
      if (net.config.inChannels !== 4 || net.config.outChannels !== 3)
        throw new CheckpointError(
          `${labels.scales[j]} maps ${net.config.inChannels} channels to ${net.config.outChannels}, not a grey conditional net (4 to 3)`,
        );
      if (JSON.stringify(netShape(net.config)) !== JSON.stringify(shape))
        throw new CheckpointError(
          `${labels.scales[j]} has another architecture than ${labels.scales[0]}; the conditional nets of a set share one`,
        );
    }
    const state: StateDict = {};
    for (const [name, t] of Object.entries(low.state)) state[`lowpass.${name}`] = t;
    for (const [j, net] of conditionals.entries())
      for (const [name, t] of Object.entries(net.state)) state[`conditionals.${j}.${name}`] = t;
    const model = new MultiscaleDenoiser({
      kind: 'multiscale',
      channels: 1,
      levels: conditionals.length,
      lowpass: netShape(low.config),
      conditional: shape,
      conditionalOutput: 'noise',
    });
    nets.length = 0; // withState frees the tensors from here on
    return withState(model, state);
  } finally {
    for (const net of nets) tf.dispose(Object.values(net.state));
  }
}

const SCALE_FOLDER = /_RF_(\d+)x\1_scale_(\d+)$/;
const LOW_FOLDER = /_RF_(\d+)x\1_low$/;
const FLAT_FOLDER = /_RF_(\d+)x\1$/;
const MODEL_FILE = 'model.pt';

/** The RF to use among those a folder offers: `--rf` when given, else the only one. */
function pickRf(available: number[], rf: number | undefined, where: string): number {
  const sorted = [...new Set(available)].sort((a, b) => a - b);
  if (rf !== undefined) {
    if (!sorted.includes(rf))
      throw new InvalidArgumentError(`${where} has no RF ${rf} networks (it has RF ${sorted.join(', ')})`);
    return rf;
  }
  if (sorted.length > 1)
    throw new InvalidArgumentError(`${where} has networks of RF ${sorted.join(', ')}: pick one with rf (--rf)`);
  return sorted[0];
}

/**
 * Converts the official files at `files.path`: a flat model.pt (or the folder holding it), a folder of flat
 * `..._RF_NxN/model.pt` folders (pick with `rf`), or a multi-scale set, the folder holding
 * `..._RF_NxN_scale_<j>/model.pt` for j = 0 .. J-1 and one `..._low/model.pt` (pick the conditional RF with `rf`).
 */
export async function convertKadkhodaie(
  files: TorchFiles,
  options: { rf?: number } = {},
): Promise<FlatDenoiser | MultiscaleDenoiser> {
  const read = (relative: string) => files.readTorch(relative, { stripModulePrefix: true });
  const flatFrom = async (relative: string) => {
    const label = `"${relative ? `${files.path}/${relative}` : files.path}"`;
    const model = flatDenoiserFromTorch(await read(relative), label);
    if (options.rf !== undefined && model.net.receptiveField !== options.rf) {
      model.dispose();
      throw new InvalidArgumentError(`${label} is an RF ${model.net.receptiveField} network, not rf ${options.rf}`);
    }
    return model;
  };
  if (!(await files.isFolder())) return flatFrom('');
  if (await files.exists(MODEL_FILE)) return flatFrom(MODEL_FILE);
  const names = await files.list();
  const scales = names.flatMap((n) => {
    const m = SCALE_FOLDER.exec(n);
    return m ? [{ name: n, rf: Number(m[1]), j: Number(m[2]) }] : [];
  });
  if (scales.length > 0) {
    const rf = pickRf(
      scales.map((s) => s.rf),
      options.rf,
      `"${files.path}"`,
    );
    const chosen = scales.filter((s) => s.rf === rf).sort((a, b) => a.j - b.j);
    if (chosen.some((s, i) => s.j !== i))
      throw new CheckpointError(
        `"${files.path}": the RF ${rf} scales are ${chosen.map((s) => s.j)}, not 0 .. ${chosen.length - 1}`,
      );
    const lows = names.filter((n) => LOW_FOLDER.test(n));
    if (lows.length !== 1)
      throw new CheckpointError(
        `"${files.path}" needs exactly one ..._low folder (the low-pass net), found ${lows.length}`,
      );
    const low = await read(`${lows[0]}/${MODEL_FILE}`);
    const nets = [];
    for (const s of chosen) nets.push(await read(`${s.name}/${MODEL_FILE}`));
    return multiscaleDenoiserFromTorch(low, nets, {
      lowpass: `"${files.path}/${lows[0]}"`,
      scales: chosen.map((s) => `"${files.path}/${s.name}"`),
    });
  }
  const flats = names.flatMap((n) => {
    const m = FLAT_FOLDER.exec(n);
    return m ? [{ name: n, rf: Number(m[1]) }] : [];
  });
  if (flats.length === 0) {
    throw new CheckpointError(
      `"${files.path}" holds no ${MODEL_FILE}, no ..._RF_NxN folders and no ..._RF_NxN_scale_j set: not an official Kadkhodaie layout`,
    );
  }
  const rf = pickRf(
    flats.map((f) => f.rf),
    options.rf,
    `"${files.path}"`,
  );
  const folder = flats.find((f) => f.rf === rf)?.name as string;
  return flatFrom(`${folder}/${MODEL_FILE}`);
}
