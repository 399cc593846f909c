// The x8 digit table of `pnpm bench sr` (SCALESPACE_SR_FACTORS=8 or 4,8): 4x4 -> 32x32 super-resolution of the
// same MNIST test digits (MATLAB-style antialiased bicubic x1/8), the paper-001 speed claim at x8: CVDVAE x8
// (one batched decoder pass a sample) against Kadkhodaie's iterative solver with the digit BF-CNN as its prior,
// on the same inputs and scored the same way as the x4 table; bicubic as the baseline.
import { tf } from '@scalespace/core';
import { loadDenoiser } from '@scalespace/denoisers';
import { loadMnist32 } from '@scalespace/hvae';
import { load as loadCVDVAE } from '@scalespace/model-cvdvae-mnist-x8';
import {
  bicubicMethod,
  COUNT,
  cvdvaeMethod,
  DIGIT_DENOISER,
  DIGIT_NOTE,
  digitRow,
  KADKHODAIE_COUNT,
  SAMPLES,
} from './sr-digits.js';
import { FigureStrip } from './sr-figure.js';
import { bicubicLow, kadkhodaieSamples, type SrRow } from './sr-methods.js';

const X8 = 8;

/** The rows, and the figure of the first digit across the methods (written by the caller). */
export async function digitRowsX8(): Promise<{ rows: SrRow[]; figure: FigureStrip }> {
  const test = await loadMnist32('test');
  const rows: SrRow[] = [];
  const figure = new FigureStrip();
  const first = test.images([0]);
  const firstLow = bicubicLow(first, X8);
  figure.add('input (4x4)', firstLow);
  rows.push(await digitRow('bicubic', test, COUNT, 1, bicubicMethod(X8), figure, undefined, X8));
  const cvdvae = await loadCVDVAE();
  for (const temperature of [0.1, 0.8]) {
    rows.push(
      await digitRow(
        `CVDVAE x8 t=${temperature}`,
        test,
        COUNT,
        SAMPLES,
        cvdvaeMethod(cvdvae, temperature),
        figure,
        undefined,
        X8,
      ),
    );
  }
  cvdvae.dispose();
  const denoiser = await loadDenoiser(DIGIT_DENOISER);
  rows.push(
    await digitRow(
      'Kadkhodaie, BF-CNN RF 13 trained on digits',
      test,
      KADKHODAIE_COUNT,
      SAMPLES,
      async (_t, low, batch) => {
        const { samples, evaluations } = await kadkhodaieSamples(denoiser, low, SAMPLES, 11 + batch, X8);
        return { images: samples, evaluations };
      },
      figure,
      `first ${KADKHODAIE_COUNT} digits; ${DIGIT_NOTE}`,
      X8,
    ),
  );
  denoiser.dispose();
  figure.add('ground truth', first);
  tf.dispose([first, firstLow]);
  return { rows, figure };
}
