export type { Command, CommandContext, CommandOptions } from './command.js';
export { UsageError } from './command.js';
export { commands } from './commands/index.js';
export type { MainIO } from './main.js';
export { main } from './main.js';
