import { writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { initBackend, progressBar } from '@scalespace/core';
import { lowFrequencyAnalysis } from '@scalespace/hvae';
import { type Command, intOption, parseNumber, stringOption, UsageError } from '../command.js';
import { lineChart } from '../demo/svg-chart.js';
import { loadPrior, resolveHvaeModel } from './hvae-models.js';

/** `scalespace analyze lowfreq MODEL --out plot.png [--json]`: paper 001's Appendix A curves U_k^s. */
export const analyzeLowfreqCommand: Command = {
  name: 'analyze lowfreq',
  summary: 'Which VD-VAE latent groups fix the low frequencies: U_k^s curves (how CVDVAE chooses k)',
  usage: 'MODEL --out plot.png|plot.svg [--codes 50] [--samples 5] [--factors 1,4,8] [--seed 0] [--json]',
  options: {
    out: { type: 'string' },
    codes: { type: 'string' },
    samples: { type: 'string' },
    factors: { type: 'string' },
    seed: { type: 'string' },
  },
  async run(ctx) {
    const [name, ...extra] = ctx.positionals;
    if (!name || extra.length > 0)
      throw new UsageError('give exactly one MODEL (a VD-VAE or CVDVAE directory, or vdvae-mnist)');
    const out = stringOption(ctx, 'out');
    const ext = extname(out).toLowerCase();
    if (ext !== '.png' && ext !== '.svg') throw new UsageError(`--out must end in .png or .svg, got "${out}"`);
    const factors = stringOption(ctx, 'factors', '1,4,8')
      .split(',')
      .map((f) => parseNumber(f, true));
    if (factors.some((f) => !Number.isInteger(f) || f < 1))
      throw new UsageError('--factors must be positive integers, e.g. 1,4,8');
    const codes = intOption(ctx, 'codes', 50, 1, 10000);
    const samples = intOption(ctx, 'samples', 5, 2, 100);
    const seed = intOption(ctx, 'seed', 0, 0);
    await initBackend(undefined, { log: !ctx.json });
    const model = await loadPrior(await resolveHvaeModel(name));
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
    else {
      const sharp = (await import('sharp')).default;
      await writeFile(file, await sharp(Buffer.from(svg)).png().toBuffer());
    }
    if (ctx.json) ctx.printJson({ out, ...result });
    else {
      ctx.log(`wrote ${out}`);
      for (const s of factors) ctx.log(`s = ${s}: ${result.u[s].map((u) => u.toFixed(4)).join(' ')}`);
    }
    return 0;
  },
};
