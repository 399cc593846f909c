import type { DemoSection } from '../report.js';
import { autoregressiveSection } from './autoregressive.js';
import { coreSection } from './core.js';
import { dataSection } from './data.js';
import { denoisersSection } from './denoisers.js';
import { hvaeSection } from './hvae.js';
import { pyramidsSection } from './pyramids.js';
import { singanSection } from './singan.js';

/** The demo's parts, in report order. Each package adds its section here. */
export const demoSections: DemoSection[] = [
  coreSection,
  dataSection,
  pyramidsSection,
  singanSection,
  denoisersSection,
  hvaeSection,
  autoregressiveSection,
];
