import type { TorchFiles } from '@scalespace/core';
import { convertKadkhodaie, saveDenoiser } from '@scalespace/denoisers';
import type { CommandContext, CommandOptions } from '../command.js';
import { intOption } from '../command.js';

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
    options: { rf: { type: 'string' } },
    async convert(files, ctx) {
      const rf = ctx.values.rf === undefined ? undefined : intOption(ctx, 'rf', 13, 1, 999);
      const model = await convertKadkhodaie(files, { rf });
      return {
        save: (dir, options) => saveDenoiser(dir, model, options),
        dispose: () => model.dispose(),
        summary: { config: model.config, parameters: model.numParameters() },
      };
    },
  },
];
