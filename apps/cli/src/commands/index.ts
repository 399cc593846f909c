import type { Command } from '../command.js';
import { demoCommand } from './demo.js';
import { infoCommand } from './info.js';

/** Every command, in the order `scalespace --help` lists them. Packages add theirs here. */
export const commands: Command[] = [infoCommand, demoCommand];
