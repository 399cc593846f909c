import {
  CheckpointError,
  InvalidArgumentError,
  isTorchTensor,
  type StateDict,
  type TorchCheckpoint,
  type TorchFiles,
  type TorchTensor,
  tf,
} from '@scalespace/core';
import { checkOfficialModule, type OfficialGenerator, officialGeneratorFromTensors } from './official-generators.js';
import type { Size } from './pyramid-sizes.js';
import { SINGAN_FORMAT, SinGAN, type SinGANConfig } from './singan.js';

// The official SinGAN (github.com/tamarott/SinGAN) saves a trained pyramid in
// TrainedModels/<image>/scale_factor=<f>,alpha=<a>/: Gs.pth (a pickled list of whole generator modules, eval
// mode), Zs.pth (the fixed reconstruction noise of each scale, [1, 3, h + 2p, w + 2p] with a zero border p of the
// receptive field: noise at the coarsest scale, zeros above), reals.pth (the image at each scale, [1, 3, h, w] in
// [-1, 1]), NoiseAmp.pth (the noise amplitudes: 1, then 0-d tensors), and per scale <n>/netG.pth (each generator's
// state dict). Generation runs the generators coarse to fine, each adding its residual to the previous output
// brought up by the official imresize (8-bit, bicubic by 1 / scale_factor, cropped): scalespace's SinGAN with
// norm 'batch', per-block widths and upsampling 'official'.

export interface ConvertSinGANOptions {
  /**
   * The official --min_size the model was trained with (the coarsest scale's shorter side, 25 by default),
   * which fixes the scale factor between scales: (minSize / finest shorter side)^(1 / (scales - 1)). Default:
   * inferred from the pyramid's sizes.
   */
  minSize?: number;
}

const REQUIRED = ['reals.pth', 'Zs.pth', 'NoiseAmp.pth'];

/** The folder (relative to files.path) holding reals.pth, Zs.pth and NoiseAmp.pth: the path or one folder in it. */
async function modelFolder(files: TorchFiles): Promise<string> {
  if (!(await files.isFolder()))
    throw new CheckpointError(
      `"${files.path}" is a file; give the official SinGAN folder holding Gs.pth, Zs.pth, reals.pth and NoiseAmp.pth (TrainedModels/<image>/scale_factor=...)`,
    );
  if (await files.exists('reals.pth')) return '';
  const inside: string[] = [];
  for (const name of await files.list()) if (await files.exists(`${name}/reals.pth`)) inside.push(name);
  if (inside.length === 1) return inside[0];
  if (inside.length > 1)
    throw new InvalidArgumentError(`"${files.path}" holds several trained models (${inside.join(', ')}); give one`);
  throw new CheckpointError(
    `"${files.path}" holds no reals.pth, Zs.pth and NoiseAmp.pth: not an official SinGAN folder (TrainedModels/<image>/scale_factor=...); check --from`,
  );
}

function list(checkpoint: TorchCheckpoint, label: string): unknown[] {
  if (!Array.isArray(checkpoint.root))
    throw new CheckpointError(
      `${label} holds ${typeof checkpoint.root}, not the list of scales the official code saves`,
    );
  return checkpoint.root;
}

function imageTensor(value: unknown, label: string): TorchTensor {
  if (!isTorchTensor(value) || value.shape.length !== 4 || value.shape[0] !== 1 || value.shape[1] !== 3)
    throw new CheckpointError(`${label} is not a [1, 3, H, W] tensor (scalespace's SinGAN is RGB: nc_im 3)`);
  return value;
}

/** The scale factor the official adjust_scales2image computes, with the min_size that reproduces the sizes. */
export function officialScaleFactor(sizes: Size[], minSize?: number): { scaleFactor: number; minSize: number } {
  const stop = sizes.length - 1;
  const finest = sizes[stop];
  const coarsest = Math.min(...sizes[0]);
  if (stop === 0) return { scaleFactor: 0.75, minSize: minSize ?? coarsest };
  // The coarsest side is ceil(min_size) up to rounding, so min_size is that side or one less.
  const candidates = minSize === undefined ? [coarsest, coarsest - 1] : [minSize];
  for (const m of candidates) {
    const scaleFactor = (m / Math.min(...finest)) ** (1 / stop);
    const fits = sizes.every(([h, w], i) => {
      const s = scaleFactor ** (stop - i);
      return Math.ceil(finest[0] * s) === h && Math.ceil(finest[1] * s) === w;
    });
    if (fits && scaleFactor > 0 && scaleFactor < 1) return { scaleFactor, minSize: m };
  }
  const shown = sizes.map(([h, w]) => `${h}x${w}`).join(', ');
  throw new CheckpointError(
    minSize === undefined
      ? `the scales' sizes (${shown}) do not follow the official pyramid for any min_size; pass the one used (--min-size)`
      : `the scales' sizes (${shown}) do not follow the official pyramid with min_size ${minSize}`,
  );
}

/** The generators: the pickled modules of Gs.pth, or the state dicts <n>/netG.pth. */
async function readGenerators(files: TorchFiles, folder: string, scales: number): Promise<OfficialGenerator[]> {
  const at = (name: string) => (folder ? `${folder}/${name}` : name);
  const label = (name: string) => `"${files.path}${folder ? `/${folder}` : ''}/${name}"`;
  const generators: OfficialGenerator[] = [];
  try {
    if (await files.exists(at('Gs.pth'))) {
      const gs = await files.readTorch(at('Gs.pth'));
      const modules = list(gs, label('Gs.pth'));
      if (modules.length !== scales)
        throw new CheckpointError(`${label('Gs.pth')} holds ${modules.length} generators, reals.pth ${scales} scales`);
      for (let s = 0; s < scales; s++) {
        const tensors: Record<string, TorchTensor> = {};
        for (const [name, t] of Object.entries(gs.tensors))
          if (name.startsWith(`${s}.`)) tensors[name.slice(String(s).length + 1)] = t;
        const g = officialGeneratorFromTensors(tensors, `${label('Gs.pth')} generator ${s}`);
        generators.push(g);
        checkOfficialModule(modules[s], g.widths.length, `${label('Gs.pth')} generator ${s}`);
      }
      return generators;
    }
    if (!(await files.exists(at('0/netG.pth'))))
      throw new CheckpointError(
        `${label('')} has neither Gs.pth nor per-scale 0/netG.pth, ...: the generators are missing`,
      );
    for (let s = 0; s < scales; s++) {
      const name = `${s}/netG.pth`;
      if (!(await files.exists(at(name))))
        throw new CheckpointError(`${label(name)} is missing (reals.pth has ${scales} scales)`);
      const state = await files.readTorch(at(name), { stripModulePrefix: true });
      generators.push(officialGeneratorFromTensors(state.tensors, label(name)));
    }
    return generators;
  } catch (error) {
    for (const g of generators) tf.dispose(Object.values(g.state));
    throw error;
  }
}

/** The fixed reconstruction noise: z_opt of the coarsest scale without its border, [1, h, w, 1]. */
function reconstructionNoise(zs: unknown[], sizes: Size[], pad: number, label: string): tf.Tensor4D {
  for (const [s, z] of zs.entries()) {
    const [h, w] = sizes[s];
    if (!isTorchTensor(z) || z.shape.join() !== [1, 3, h + 2 * pad, w + 2 * pad].join())
      throw new CheckpointError(
        `${label}: scale ${s} is not a [1, 3, ${h + 2 * pad}, ${w + 2 * pad}] tensor (the ${h}x${w} scale padded by ${pad})`,
      );
    const [, , ph, pw] = z.shape;
    const plane = ph * pw;
    for (let i = 0; i < plane; i++) {
      const y = Math.floor(i / pw);
      const x = i % pw;
      const inside = y >= pad && y < ph - pad && x >= pad && x < pw - pad;
      const v = z.values[i];
      if ((!inside || s > 0) && v !== 0)
        throw new CheckpointError(
          `${label}: scale ${s} has noise ${s > 0 ? 'above the coarsest scale' : 'in its zero border'}; only the official training (zeros there) converts`,
        );
      if (z.values[plane + i] !== v || z.values[2 * plane + i] !== v)
        throw new CheckpointError(
          `${label}: scale ${s}'s channels differ; the official noise is one map for all three`,
        );
    }
  }
  const z0 = zs[0] as TorchTensor;
  const [h0, w0] = sizes[0];
  return tf.tidy(() => {
    const plane = tf.tensor(z0.values.subarray(0, z0.shape[2] * z0.shape[3]), [z0.shape[2], z0.shape[3]], 'float32');
    return tf.reshape(tf.slice(plane, [pad, pad], [h0, w0]), [1, h0, w0, 1]) as tf.Tensor4D;
  });
}

function amplitude(value: unknown, s: number, label: string): number {
  const v = isTorchTensor(value) && value.values.length === 1 ? Number(value.values[0]) : value;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
    throw new CheckpointError(`${label}: the amplitude of scale ${s} is not a number (${String(v)})`);
  return v;
}

/**
 * Converts an official SinGAN folder (TrainedModels/<image>/scale_factor=<f>,alpha=<a>, or the folder holding
 * exactly one such) into a scalespace SinGAN whose sample() from the same noise maps and reconstruct() give the
 * official outputs.
 */
export async function convertSinGAN(files: TorchFiles, options: ConvertSinGANOptions = {}): Promise<SinGAN> {
  const folder = await modelFolder(files);
  const at = (name: string) => (folder ? `${folder}/${name}` : name);
  const label = (name: string) => `"${files.path}${folder ? `/${folder}` : ''}/${name}"`;
  for (const name of REQUIRED)
    if (!(await files.exists(at(name))))
      throw new CheckpointError(`${label(name)} is missing: an official SinGAN folder has ${REQUIRED.join(', ')}`);
  const reals = list(await files.readTorch(at('reals.pth')), label('reals.pth')).map((r, s) =>
    imageTensor(r, `${label('reals.pth')} scale ${s}`),
  );
  if (reals.length === 0) throw new CheckpointError(`${label('reals.pth')} holds no scales`);
  const sizes = reals.map((r) => [r.shape[2], r.shape[3]] as Size);
  const zs = list(await files.readTorch(at('Zs.pth')), label('Zs.pth'));
  const amps = list(await files.readTorch(at('NoiseAmp.pth')), label('NoiseAmp.pth'));
  for (const [name, items] of [
    ['Zs.pth', zs],
    ['NoiseAmp.pth', amps],
  ] as const)
    if (items.length !== reals.length)
      throw new CheckpointError(`${label(name)} has ${items.length} scales, reals.pth ${reals.length}`);
  const amplitudes = amps.map((a, s) => amplitude(a, s, label('NoiseAmp.pth')));
  const { scaleFactor, minSize } = officialScaleFactor(sizes, options.minSize);

  const generators = await readGenerators(files, folder, reals.length);
  const state: StateDict = {};
  try {
    const { kernelSize } = generators[0];
    const layers = generators[0].widths.length + 1;
    for (const [s, g] of generators.entries()) {
      if (g.kernelSize !== kernelSize || g.widths.length + 1 !== layers)
        throw new CheckpointError(
          `generator ${s} has ${g.widths.length + 1} ${g.kernelSize}x${g.kernelSize} layers, generator 0 ${layers} ${kernelSize}x${kernelSize}: the scales must share them`,
        );
      for (const [name, t] of Object.entries(g.state)) state[`generators.${s}.${name}`] = t;
    }
    const pad = (layers * (kernelSize - 1)) / 2;
    state.z_rec = reconstructionNoise(zs, sizes, pad, label('Zs.pth'));
    const finest = reals[reals.length - 1];
    state.image = tf.tidy(() =>
      tf.div(tf.add(tf.transpose(tf.tensor(finest.values, finest.shape, 'float32'), [0, 2, 3, 1]), 1), 2),
    );
    const widths = generators.map((g) => g.widths);
    const config: SinGANConfig = {
      format: SINGAN_FORMAT,
      method: 'singan',
      sizes,
      scaleFactor,
      amplitudes,
      channels: widths.map((w) => w[0]),
      layers,
      kernelSize,
      trainedScales: sizes.length,
      stepInScale: 0,
      trainingSeconds: 0,
      training: { convertedFrom: 'official SinGAN (github.com/tamarott/SinGAN)', source: files.path, minSize },
      norm: 'batch',
      widths,
      upsampling: 'official',
    };
    const model = new SinGAN(config);
    try {
      model.net.loadStateDict(state);
    } catch (error) {
      model.dispose();
      throw error;
    }
    return model;
  } finally {
    tf.dispose(Object.values(state));
    for (const g of generators) tf.dispose(Object.values(g.state));
  }
}
