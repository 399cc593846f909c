// Recipe tool: a multi-scale model whose low-pass denoiser comes from one training run and whose
// conditional denoisers come from another (they train on different bands and never see each other).
// Usage: tsx scripts/combine-lowpass.ts LOWPASS_RUN CONDITIONALS_RUN OUT_DIR
import { initBackend } from '@scalespace/core';
import { loadDenoiser, saveDenoiser } from '../src/checkpoint-io.js';
import type { MultiscaleDenoiser } from '../src/multiscale-denoiser.js';

const [lowpassRun, conditionalsRun, out] = process.argv.slice(2);
if (!out) {
  console.error('usage: tsx scripts/combine-lowpass.ts LOWPASS_RUN CONDITIONALS_RUN OUT_DIR');
  process.exit(2);
}
await initBackend('wasm', { log: false });
const source = await loadDenoiser(lowpassRun);
const target = await loadDenoiser(conditionalsRun);
if (source.config.kind !== 'multiscale' || target.config.kind !== 'multiscale') {
  console.error('both runs must be multi-scale models');
  process.exit(2);
}
const model = target as MultiscaleDenoiser;
model.copyLowpassFrom(source as MultiscaleDenoiser);
await saveDenoiser(out, model);
console.log(`wrote ${out}: low-pass from ${lowpassRun}, conditionals from ${conditionalsRun}`);
source.dispose();
target.dispose();
