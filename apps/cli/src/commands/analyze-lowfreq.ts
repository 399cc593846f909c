import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { initBackend, progressBar, readImage, writeImage } from '@scalespace/core';
import { lowFrequencyAnalysis } from '@scalespace/hvae';
import { type Command, intOption, parseNumber, stringOption, UsageError } from '../command.js';
import { lineChart } from '../demo/svg-chart.js';
import { type ModelKind, resolveModel } from '../models.js';
import { int, text } from '../options.js';
import { loadPrior } from './hvae-models.js';

/** The models whose prior the analysis reads. */
const PRIOR_KINDS: readonly ModelKind[] = ['vdvae', 'cvdvae'];

/** Writes an SVG chart as a PNG: core's image reader renders the SVG, its writer encodes the PNG. */
async function writeChartPng(file: string, svg: string): Promise<void> {
  const folder = await mkdtemp(join(tmpdir(), 'scalespace-chart-'));
  try {
    const source = join(folder, 'chart.svg');
    await writeFile(source, svg);
    const image = await readImage(source, { channels: 4 });
    try {
      await writeImage(file, image);
    } finally {
      image.dispose();
    }
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/** `scalespace analyze lowfreq MODEL --out plot.png [--json]`: paper 001's Appendix A curves U_k^s. */
export const analyzeLowfreqCommand: Command = {
  name: 'analyze lowfreq',
  summary: 'Which VD-VAE latent groups fix the low frequencies: U_k^s curves (how CVDVAE chooses k)',
  usage: 'MODEL',
  modelArgument: PRIOR_KINDS,
  help: "A CVDVAE is analysed through its VD-VAE prior. U_k^s: the mean pairwise RMSE of samples that share the first k latent groups' codes, at full resolution and downscaled by s.",
  options: {
    out: text('plot.png|plot.svg', 'the plot of the curves', { required: true }),
    codes: int('codes z_<k drawn per k', { default: 50, max: 10000 }),
    samples: int('samples per code', { default: 5, min: 2, max: 100 }),
    factors: text('S,S,...', 'the downscaling factors s (positive integers)', { default: '1,4,8' }),
    seed: int('the random seed', { default: 0, min: 0 }),
  },
  async run(ctx) {
    const [name, ...extra] = ctx.positionals;
    if (!name || extra.length > 0)
      throw new UsageError('give exactly one MODEL (a VD-VAE or CVDVAE folder, or vdvae-mnist)');
    const out = stringOption(ctx, 'out');
    const ext = extname(out).toLowerCase();
    if (ext !== '.png' && ext !== '.svg') throw new UsageError(`--out must end in .png or .svg, got "${out}"`);
    const factors = stringOption(ctx, 'factors')
      .split(',')
      .map((f) => parseNumber(f, true));
    if (factors.some((f) => !Number.isInteger(f) || f < 1))
      throw new UsageError('--factors must be positive integers, e.g. 1,4,8');
    const codes = intOption(ctx, 'codes');
    const samples = intOption(ctx, 'samples');
    const seed = intOption(ctx, 'seed');
    await initBackend(undefined, { log: !ctx.json });
    const model = await loadPrior(await resolveModel(name, PRIOR_KINDS, 'MODEL'));
    ctx.defer(() => model.dispose());
    const bar = ctx.json ? undefined : progressBar('lowfreq');
    const result = await lowFrequencyAnalysis(model, {
      codes,
      samples,
      factors,
      seed,
      signal: ctx.signal,
      ...(bar && { onProgress: bar }),
    });
    bar?.done();
    const svg = lineChart(
      factors.map((s) => ({
        label: s === 1 ? 'full resolution' : `downscaled x${s}`,
        points: result.ks.map((k, i) => [k, result.u[s][i]] as [number, number]),
      })),
      {
        title: `U_k^s: mean pairwise RMSE of samples sharing z_<k (${codes} codes x ${samples})`,
        xLabel: 'k (fixed latent groups)',
        yLabel: 'RMSE',
      },
    );
    const file = await ctx.output(out);
    if (ext === '.svg') await writeFile(file, svg);
    else await writeChartPng(file, svg);
    if (ctx.json) ctx.printJson({ out, ...result });
    else {
      ctx.log(`wrote ${out}`);
      for (const s of factors) ctx.log(`s = ${s}: ${result.u[s].map((u) => u.toFixed(4)).join(' ')}`);
    }
    return 0;
  },
};
