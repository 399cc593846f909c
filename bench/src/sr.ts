// `pnpm bench sr`: one x4 super-resolution table across the families, on two datasets with the same
// degradation (MATLAB-style antialiased bicubic x1/4): MNIST test digits (sr-digits.ts) and the luma of
// four held-out CC0 photos (sr-photos.ts). Columns: PSNR of one sample and of the mean of an input's
// samples, SSIM, LR-PSNR (the output degraded again against the input), APD (the samples' diversity, mean
// pairwise MSE), sequential network evaluations per output, and seconds per image (all its samples).
// SCALESPACE_SR_FACTORS=4,8 (default 4) adds the x8 digit table (sr-digits-x8.ts, results/sr-x8.json): CVDVAE x8
// against Kadkhodaie's solver on the same 4x4 inputs.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { initBackend } from '@scalespace/core';
import { printTable, RESULTS_DIR, writeResults } from './harness.js';
import { digitRows } from './sr-digits.js';
import { digitRowsX8 } from './sr-digits-x8.js';
import type { SrRow } from './sr-methods.js';
import { photoRows } from './sr-photos.js';

async function previousRows(): Promise<SrRow[]> {
  try {
    return JSON.parse(await readFile(join(RESULTS_DIR, 'sr.json'), 'utf8')).results.rows ?? [];
  } catch {
    return [];
  }
}

const cell = (v: number) => (Number.isNaN(v) ? '-' : v);

function print(rows: SrRow[]): void {
  printTable(
    ['method', 'images x samples', 'PSNR', 'PSNR of mean', 'SSIM', 'LR-PSNR', 'APD (MSE)', 'evals', 's / image'],
    rows.map((r) => [
      r.method,
      `${r.images} x ${r.samples}`,
      r.psnr,
      r.samples > 1 ? r.psnrOfMean : '-',
      r.ssim,
      cell(r.lrPsnr),
      r.apd,
      cell(r.evaluations),
      r.secondsPerImage,
    ]),
  );
  for (const r of rows) if (r.note) console.log(`  ${r.method}: ${r.note}`);
}

/** The two datasets: what `SCALESPACE_SR_DATASETS` names, how to measure them, and their figure. */
const DATASETS = [
  { key: 'digits', measure: digitRows, figure: 'sr-across-families-digit', zoom: 4 },
  { key: 'photos', measure: photoRows, figure: 'sr-across-families-photo', zoom: 1 },
];

/** The x8 digit table: its rows, the figure, and how much faster CVDVAE is per sample than the solver. */
async function runX8(backend: string): Promise<void> {
  const { rows, figure } = await digitRowsX8();
  print(rows);
  const { file, order } = await figure.write('sr-x8-digit', 4);
  console.log(`figure ${file}: ${order.join(' | ')}`);
  const perSample = (r: SrRow) => r.secondsPerImage / r.samples;
  const cvdvae = rows.filter((r) => r.method.startsWith('CVDVAE'));
  const solver = rows.find((r) => r.method.startsWith('Kadkhodaie')) as SrRow;
  const speedup = perSample(solver) / Math.max(...cvdvae.map(perSample));
  console.log(`x8: CVDVAE is ${speedup.toFixed(0)}x faster per sample than the solver (its slower temperature)`);
  await writeResults('sr-x8', { backend, factor: 8, speedup, rows });
}

export async function run(): Promise<void> {
  const backend = await initBackend();
  const factors = (process.env.SCALESPACE_SR_FACTORS ?? '4').split(',');
  for (const f of factors) {
    if (f !== '4' && f !== '8') throw new Error(`SCALESPACE_SR_FACTORS: expected 4 and/or 8, got "${f}"`);
  }
  if (factors.includes('8')) await runX8(backend);
  if (!factors.includes('4')) return;
  const which = (process.env.SCALESPACE_SR_DATASETS ?? 'digits,photos').split(',');
  const measured: SrRow[] = [];
  for (const dataset of DATASETS.filter((d) => which.includes(d.key))) {
    const { rows, figure } = await dataset.measure();
    measured.push(...rows);
    print(rows);
    const { file, order } = await figure.write(dataset.figure, dataset.zoom);
    console.log(`figure ${file}: ${order.join(' | ')}`);
  }
  console.log(`backend ${backend}`);
  // A run of one dataset keeps the other's rows from the last full run.
  const remeasured = new Set(measured.map((r) => r.dataset));
  const kept = (await previousRows()).filter((r) => !remeasured.has(r.dataset));
  await writeResults('sr', { backend, factor: 4, rows: [...measured, ...kept] });
}
