// The denoisers the studio offers: one row each. A new model package needs a row here (what the page shows)
// and its loader in compute/models.ts (what the worker imports).

export interface DenoiserRow {
  label: string;
  /** The npm package the weights come from. */
  package: string;
  /** Who trained it. */
  source: string;
}

export const DENOISERS = {
  'flat-rf43': {
    label: 'flat BF-CNN, receptive field 43 (grey)',
    package: '@scalespace/model-denoiser-flat-rf43',
    source: 'trained by scalespace on CC0 photos',
  },
  'multiscale-rf13': {
    label: 'multi-scale wavelet-conditional, RF 13 (grey)',
    package: '@scalespace/model-denoiser-multiscale-rf13',
    source: 'trained by scalespace on CC0 photos',
  },
} satisfies Record<string, DenoiserRow>;

export type DenoiserId = keyof typeof DENOISERS;
