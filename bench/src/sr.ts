// `pnpm bench sr`: one x4 super-resolution table across the families, on two datasets with the same
// degradation (MATLAB-style antialiased bicubic x1/4): MNIST test digits (sr-digits.ts) and the luma of
// four held-out CC0 photos (sr-photos.ts). Columns: PSNR of one sample and of the mean of an input's
// samples, SSIM, LR-PSNR (the output degraded again against the input), APD (the samples' diversity, mean
// pairwise MSE), sequential network evaluations per output, and seconds per image (all its samples).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { initBackend } from '@scalespace/core';
import { printTable, RESULTS_DIR, writeResults } from './harness.js';
import { digitRows } from './sr-digits.js';
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

export async function run(): Promise<void> {
  const backend = await initBackend();
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
