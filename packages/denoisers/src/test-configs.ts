import type { MultiscaleDenoiserConfig } from './types.js';

/**
 * For tests: a small grey multi-scale config, every net `depth` convs of `width` channels, the low-pass
 * net's receptive field `lowpassRf`, the conditionals' 5.
 */
export function smallMultiscaleConfig(options: {
  levels: number;
  depth: number;
  width: number;
  lowpassRf?: number;
}): MultiscaleDenoiserConfig {
  const { levels, depth, width, lowpassRf = 5 } = options;
  return {
    kind: 'multiscale',
    channels: 1,
    levels,
    lowpass: { depth, width, rf: lowpassRf },
    conditional: { depth, width, rf: 5 },
  };
}
