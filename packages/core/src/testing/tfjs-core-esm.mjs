// Test plumbing for child processes that run core's sources in plain Node (`node --import tsx --import
// ./tfjs-core-esm.mjs`): tf.ts imports tfjs-core's gradient and chained-op registrations, ES modules under
// tfjs-core/dist whose imports have no file extensions. Bundlers and vitest resolve them; Node does not, so
// this resolve hook does (a file first, then a folder's index.js, as CommonJS would) and marks them ES modules.
// The published Node build needs none of this: tsup bundles those modules into it.
import { existsSync } from 'node:fs';
import { register } from 'node:module';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';

if (isMainThread) register(import.meta.url);

const DIST = '/@tensorflow/tfjs-core/dist/';

export async function resolve(specifier, context, next) {
  const deep = specifier.startsWith('@tensorflow/tfjs-core/dist/');
  const relative = specifier.startsWith('.') && context.parentURL?.includes(DIST);
  if ((!deep && !relative) || specifier.endsWith('.js')) return next(specifier, context);
  if (deep) {
    const { url } = await next(`${specifier}.js`, context);
    return { url, format: 'module', shortCircuit: true };
  }
  const file = new URL(`${specifier}.js`, context.parentURL);
  const url = existsSync(fileURLToPath(file)) ? file : new URL(`${specifier}/index.js`, context.parentURL);
  return { url: url.href, format: 'module', shortCircuit: true };
}
