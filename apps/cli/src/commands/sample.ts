import { existsSync } from 'node:fs';
import { type Command, rejectUnused, UsageError } from '../command.js';
import type { SampleHandler } from '../models.js';
import { autoregressiveSampler } from './autoregressive.js';
import { vdvaeSampler } from './hvae-sample.js';
import { isSingleImageModel, sampleSingleImage } from './singan.js';

/** Every model kind `sample` can draw from; packages add theirs here. */
export const sampleHandlers: SampleHandler[] = [
  autoregressiveSampler,
  vdvaeSampler,
  {
    name: 'singan/petsgan',
    uses: ['size', 'frames', 'gen-start-scale'],
    detect: isSingleImageModel,
    sample: sampleSingleImage,
  },
];

/** `--a`, `--a and --b`, `--a, --b and --c`. */
function listed(names: string[]): string {
  const flags = names.map((n) => `--${n}`);
  return flags.length > 1 ? `${flags.slice(0, -1).join(', ')} and ${flags.at(-1)}` : flags[0];
}

/** The options only some kinds of model read. */
const MODEL_OPTIONS = ['temperature', 'size', 'frames', 'gen-start-scale'];

/** `scalespace sample DIR ...`: samples any model checkpoint directory, dispatching on what it holds. */
export const sampleCommand: Command = {
  name: 'sample',
  summary: 'Draw samples from a trained model directory (any scalespace model) into an image grid',
  usage:
    'DIR --out grid.png [--n 16] [--seed 0] [--temperature 1] [--size WIDTHxHEIGHT (single-image models)] ' +
    '[--frames N (single-image animation)] [--gen-start-scale S (SinGAN: the scales below S reproduce the ' +
    "training image's layout)] [--json]",
  options: {
    out: { type: 'string' },
    n: { type: 'string' },
    seed: { type: 'string' },
    temperature: { type: 'string' },
    size: { type: 'string' },
    frames: { type: 'string' },
    'gen-start-scale': { type: 'string' },
  },
  async run(ctx) {
    const [dir, ...extra] = ctx.positionals;
    if (!dir || extra.length > 0) throw new UsageError('give exactly one model DIR');
    if (!existsSync(dir)) throw new UsageError(`no model directory at "${dir}"`);
    for (const handler of sampleHandlers) {
      if (!(await handler.detect(dir))) continue;
      rejectUnused(
        ctx,
        MODEL_OPTIONS.filter((o) => !handler.uses.includes(o)),
        `${handler.name} models do not use it${handler.uses.length ? ` (they read ${listed(handler.uses)})` : ''}`,
      );
      return handler.sample(ctx, dir);
    }
    throw new UsageError(
      `"${dir}" is not a model directory this CLI knows (${sampleHandlers.map((h) => h.name).join(', ')})`,
    );
  },
};
