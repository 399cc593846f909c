#!/usr/bin/env node
import { InterruptedError } from '@scalespace/core';
import { main } from './main.js';

const controller = new AbortController();
let interrupts = 0;
// Ctrl-C or a SIGTERM asks the command to stop after its current step (a trainer writes a
// checkpoint and its log first) and exit 130; a second one quits at once.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130);
    process.stderr.write(`\nstopping after the current step (${signal}; again to quit now)\n`);
    controller.abort(new InterruptedError(`interrupted by ${signal}`));
  });
}

main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, signal: controller.signal }).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    // main reports every error itself; this is a last resort, still one line.
    process.stderr.write(`scalespace: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
