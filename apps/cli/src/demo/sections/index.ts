import type { DemoSection } from '../report.js';
import { coreSection } from './core.js';

/** The demo's parts, in report order. Each package adds its section here. */
export const demoSections: DemoSection[] = [coreSection];
