import { convertPixelCNN, saveModel } from '@scalespace/autoregressive';
import type { TorchFiles } from '@scalespace/core';
import { convertKadkhodaie, saveDenoiser } from '@scalespace/denoisers';
import { convertVDVAE, saveVDVAE } from '@scalespace/hvae';
import { convertSinGAN } from '@scalespace/singan';
import type { CommandContext } from '../command.js';
import { intOption, optional, UsageError } from '../command.js';
import { type CommandOptions, int, text } from '../options.js';
import { officialHpsOption } from './hvae-models.js';

/** What a family's converter hands `scalespace convert`: a model ready to be written as a scalespace checkpoint. */
export interface ConvertedModel {
  /**
   * Writes the checkpoint (model.safetensors + config.json, as the family's loader reads it) into an empty `dir`;
   * `float16` stores the float weights as halves.
   */
  save(dir: string, options: { float16: boolean }): Promise<void>;
  /** Frees its tensors. */
  dispose(): void;
  /** Facts for the report (kind, sizes, parameter count). */
  summary: Record<string, unknown>;
}

/**
 * One row of the registry: a family of official PyTorch checkpoints. Adding a family is a row here plus a
 * converter in its model package (a function from the files' `readTorch` output to a model).
 */
export interface ConvertFamily {
  /** The `--from` name. */
  name: string;
  /** One line for `convert --help`: the official file layout it accepts. */
  accepts: string;
  /** Options only this family reads (`convert` declares the union and refuses them for other families). */
  options?: CommandOptions;
  convert(files: TorchFiles, ctx: CommandContext): Promise<ConvertedModel>;
}

export const convertFamilies: ConvertFamily[] = [
  {
    name: 'kadkhodaie',
    accepts:
      'a flat BF-CNN model.pt (or its folder, or a folder of ..._RF_NxN folders: --rf N), or a multi-scale set: the ' +
      'folder holding ..._RF_NxN_scale_<j> and ..._low folders (--rf N picks the conditional nets when it holds several)',
    options: { rf: int('kadkhodaie: the receptive field to pick where the folder holds several', { max: 999 }) },
    async convert(files, ctx) {
      const rf = optional(ctx, 'rf', intOption);
      const model = await convertKadkhodaie(files, { rf });
      return {
        save: (dir, options) => saveDenoiser(dir, model, options),
        dispose: () => model.dispose(),
        summary: { config: model.config, parameters: model.numParameters() },
      };
    },
  },
  {
    name: 'singan',
    accepts:
      'an official SinGAN folder TrainedModels/<image>/scale_factor=...,alpha=... (Gs.pth or per-scale <n>/netG.pth, ' +
      'Zs.pth, reals.pth, NoiseAmp.pth), or the folder holding one; --min-size N if the scale factor cannot be inferred',
    options: {
      'min-size': int("singan: the coarsest scale's shorter side, where the scale factor cannot be inferred", {
        max: 4096,
      }),
    },
    async convert(files, ctx) {
      const minSize = optional(ctx, 'min-size', intOption);
      const model = await convertSinGAN(files, { minSize });
      const { sizes, scaleFactor, widths } = model.config;
      return {
        save: (dir) => model.save(dir),
        dispose: () => model.dispose(),
        summary: { method: 'singan', sizes, scaleFactor, widths, parameters: model.net.numParameters() },
      };
    },
  },
  {
    name: 'pixelcnn',
    accepts:
      "a PixelCNN++ .pt of visinf/pixelpyramids' unet/pixelcnnpp.py (PixelCNNpp, DeepPixelCNNpp, VeryDeepPixelCNNpp): " +
      "a state dict, or main.py's checkpoint of levels holding one; --bits N (its n_bits) is required, --size WxH " +
      '(default 4x4, the coarsest pyramid level) sets the sampling size',
    options: {
      bits: int('pixelcnn: the n_bits the network was trained with (required)', { max: 8 }),
      size: text('WxH', 'pixelcnn: the sampling size', { default: '4x4' }),
    },
    async convert(files, ctx) {
      if (ctx.values.bits === undefined)
        throw new UsageError(
          '--from pixelcnn needs --bits N: the n_bits the network was trained with (5 or 8 in the official configs)',
        );
      const bits = intOption(ctx, 'bits');
      const size = /^(\d+)x(\d+)$/.exec(String(ctx.values.size ?? '4x4'));
      if (!size) throw new UsageError(`--size must look like WxH (e.g. 8x8), got "${String(ctx.values.size)}"`);
      const [width, height] = [Number(size[1]), Number(size[2])];
      const model = await convertPixelCNN(files, { bits, height, width });
      return {
        save: (dir) =>
          saveModel(dir, model, { convertedFrom: 'visinf/pixelpyramids unet/pixelcnnpp.py', source: files.path }),
        dispose: () => model.module.dispose(),
        summary: { kind: 'pixelcnn', model: model.config.model, parameters: model.module.numParameters() },
      };
    },
  },
  {
    name: 'vdvae',
    accepts:
      'an official VD-VAE RUN-model-ema.th (or ...-model.th, or the folder holding one), with its hyper-parameters: ' +
      '--hps cifar10|imagenet32|imagenet64|ffhq256|ffhq1024 (the hps.py sets) or --hps FILE (a JSON object of ' +
      "official hps names, or the run's log.jsonl)",
    options: {
      hps: text('SET|FILE', 'vdvae: the official hyper-parameters, an hps.py set or a JSON file (required)'),
    },
    async convert(files, ctx) {
      const model = await convertVDVAE(files, { hps: await officialHpsOption(ctx) });
      const { imageSize, bits, numMixtures } = model.config;
      return {
        save: (dir) => saveVDVAE(dir, model, { source: 'official VD-VAE (github.com/openai/vdvae)' }),
        dispose: () => model.dispose(),
        summary: {
          kind: 'vdvae',
          imageSize,
          bits,
          numMixtures,
          groups: model.groups,
          parameters: model.numParameters(),
        },
      };
    },
  },
];
