import { resolve } from 'node:path';
import { imageGrid, initBackend, writeImage } from '@scalespace/core';
import { loadVDVAE } from '@scalespace/hvae';
import { intOption, numberOption, stringOption } from '../command.js';
import type { SampleHandler } from './sample.js';

/** `scalespace sample DIR` for VD-VAE directories: unconditional samples at a temperature. */
export const vdvaeSampler: SampleHandler = {
  name: 'vdvae',
  kinds: ['vdvae'],
  uses: ['temperature'],
  async sample(ctx, dir) {
    const n = intOption(ctx, 'n', 16, 1, 1024);
    const seed = intOption(ctx, 'seed');
    const temperature = numberOption(ctx, 'temperature', 1, 0, 10);
    const out = resolve(stringOption(ctx, 'out'));
    await initBackend(undefined, { log: !ctx.json });
    const model = await loadVDVAE(dir);
    ctx.defer(() => model.dispose());
    const t0 = performance.now();
    const images = model.sample({ n, temperature, seed });
    ctx.defer(() => images.dispose());
    const seconds = (performance.now() - t0) / 1000;
    const grid = imageGrid(images);
    ctx.defer(() => grid.dispose());
    await writeImage(await ctx.output(out), grid);
    const result = { out, kind: 'vdvae', n, temperature, seconds, networkEvaluations: 1 };
    if (ctx.json) ctx.printJson(result);
    else
      ctx.log(`wrote ${out}: ${n} samples at temperature ${temperature} in one decoder pass, ${seconds.toFixed(2)} s`);
    return 0;
  },
};
