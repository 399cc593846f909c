import type { Command } from '../command.js';
import { analyzeLowfreqCommand } from './analyze-lowfreq.js';
import { evalNllCommand, trainPixelCnnCommand, trainPixelPyramidsCommand } from './autoregressive.js';
import { convertCommand } from './convert.js';
import { dataInfoCommand, dataPreviewCommand } from './data.js';
import { demoCommand } from './demo.js';
import { denoiseCommand, trainDenoiserCommand } from './denoise.js';
import { evalCommand } from './eval.js';
import { evalApdCommand, evalFidCommand, evalSifidCommand } from './eval-distribution.js';
import { infoCommand } from './info.js';
import { pyramidDecomposeCommand, pyramidReconstructCommand } from './pyramid.js';
import { restoreCommand } from './restore.js';
import { sampleCommand } from './sample.js';
import { trainSinganCommand } from './singan.js';
import { singanAppCommands } from './singan-apps.js';
import { srCommand } from './sr.js';
import { trainCvdvaeCommand, trainVdvaeCommand } from './train-hvae.js';

/** Every command, in the order `scalespace --help` lists them. Packages add theirs here. */
export const commands: Command[] = [
  infoCommand,
  demoCommand,
  trainSinganCommand,
  sampleCommand,
  ...singanAppCommands,
  trainDenoiserCommand,
  denoiseCommand,
  restoreCommand,
  pyramidDecomposeCommand,
  pyramidReconstructCommand,
  trainPixelCnnCommand,
  trainPixelPyramidsCommand,
  evalNllCommand,
  evalCommand,
  evalApdCommand,
  evalFidCommand,
  evalSifidCommand,
  dataInfoCommand,
  dataPreviewCommand,
  trainVdvaeCommand,
  trainCvdvaeCommand,
  srCommand,
  convertCommand,
  analyzeLowfreqCommand,
];
