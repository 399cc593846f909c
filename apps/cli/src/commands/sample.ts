import { type Command, type CommandContext, rejectUnused, UsageError } from '../command.js';
import { type ModelKind, resolveModel } from '../models.js';
import { flag, int, num, text } from '../options.js';
import { autoregressiveSampler } from './autoregressive.js';
import { vdvaeSampler } from './hvae-sample.js';
import { sampleSingleImage } from './singan.js';

/** How `scalespace sample MODEL` samples one kind of model; each model package's kinds have one. */
export interface SampleHandler {
  /** Short name shown in errors: 'pixelcnn/pixelpyramids', 'singan/petsgan', ... */
  name: string;
  /** The kinds of model it samples. */
  kinds: readonly ModelKind[];
  /** The options of `sample` this kind of model reads besides --out, --n and --seed; the others are refused. */
  uses: string[];
  sample(ctx: CommandContext, dir: string): Promise<number>;
}

/** Every model kind `sample` can draw from; packages add theirs here. */
export const sampleHandlers: SampleHandler[] = [
  autoregressiveSampler,
  vdvaeSampler,
  {
    name: 'singan/petsgan',
    kinds: ['singan', 'petsgan'],
    uses: ['size', 'frames', 'gen-start-scale'],
    sample: sampleSingleImage,
  },
];

/** `--a`, `--a and --b`, `--a, --b and --c`. */
function listed(names: string[]): string {
  const flags = names.map((n) => `--${n}`);
  return flags.length > 1 ? `${flags.slice(0, -1).join(', ')} and ${flags.at(-1)}` : flags[0];
}

/** The options only some kinds of model read. */
const MODEL_OPTIONS = ['temperature', 'cleanup', 'size', 'frames', 'gen-start-scale'];

/** `scalespace sample MODEL ...`: samples any model, dispatching on the kind it is. */
export const sampleCommand: Command = {
  name: 'sample',
  summary: 'Draw samples from a trained model (any scalespace model that samples) into an image grid',
  usage: 'MODEL',
  modelArgument: sampleHandlers.flatMap((h) => h.kinds),
  options: {
    out: text('FILE', 'the image grid to write; with --frames a GIF, or a folder of PNG frames', { required: true }),
    n: int('samples to draw', {
      defaultText: '16; single-image models 8',
      rangeText: '1 to 1024; single-image models 1 to 256',
    }),
    seed: int('the noise seed', { default: 0, min: 0 }),
    temperature: num('scales the noise of PixelCNN++, PixelPyramids and VD-VAE models', {
      default: 1,
      rangeText: '0.001 to 10; VD-VAE 0 to 10',
    }),
    cleanup: flag(
      "PixelCNN++/PixelPyramids: replace the outlier pixels the pyramid's cyclic shift can leave (an Isolation Forest on local histograms, then a 7x7 median: the PixelPyramids supplement's Algorithm 1)",
    ),
    size: text('WxH', 'the sample size of a single-image model (any aspect ratio)', {
      defaultText: 'the training size',
    }),
    frames: int('a single-image animation of N frames instead of samples', { max: 1000 }),
    'gen-start-scale': int("SinGAN: the scales below S reproduce the training image's layout", {
      value: 'S',
      default: 0,
      min: 0,
      rangeText: '0 to scales - 1',
    }),
  },
  async run(ctx) {
    const [name, ...extra] = ctx.positionals;
    if (!name || extra.length > 0) throw new UsageError('give exactly one MODEL');
    const { dir, kind } = await resolveModel(name, sampleCommand.modelArgument ?? [], 'MODEL');
    const handler = sampleHandlers.find((h) => h.kinds.includes(kind)) as SampleHandler;
    rejectUnused(
      ctx,
      MODEL_OPTIONS.filter((o) => !handler.uses.includes(o)),
      `${handler.name} models do not use it${handler.uses.length ? ` (they read ${listed(handler.uses)})` : ''}`,
    );
    return handler.sample(ctx, dir);
  },
};
