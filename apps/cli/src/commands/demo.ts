import { resolve } from 'node:path';
import type { Command } from '../command.js';
import { intOption, stringOption } from '../command.js';
import { runDemo } from '../demo/report.js';
import { demoSections } from '../demo/sections/index.js';
import { int, text } from '../options.js';

export const demoCommand: Command = {
  name: 'demo',
  summary: 'Run the main job on embedded defaults: every package on built-in data, written as PNGs and an HTML report',
  usage: '',
  options: {
    out: text('DIR', 'the report folder: index.html, report.json and a folder of PNGs per section', {
      default: 'demo-out',
    }),
    seed: int('the random seed', { default: 1, min: 0 }),
    only: text('ID,ID', `run only these sections (${demoSections.map((s) => s.id).join(', ')})`, {
      defaultText: 'all',
    }),
  },
  allowPositionals: false,
  async run(ctx) {
    const outDir = resolve(stringOption(ctx, 'out'));
    const seed = intOption(ctx, 'seed');
    const only = typeof ctx.values.only === 'string' ? ctx.values.only.split(',') : null;
    const sections = only ? demoSections.filter((s) => only.includes(s.id)) : demoSections;
    if (sections.length === 0) {
      ctx.log(
        `no demo section matches --only ${ctx.values.only}; sections: ${demoSections.map((s) => s.id).join(', ')}`,
      );
      return 2;
    }
    const report = await runDemo(sections, { outDir, seed, signal: ctx.signal, log: ctx.log });
    if (ctx.json) ctx.printJson({ outDir, ...report });
    else ctx.log(`demo: wrote ${outDir}/index.html (${report.seconds.toFixed(1)} s)`);
    return 0;
  },
};
