// The `tf` namespace scalespace hands out: all of tfjs-core's API plus a `version` record (the tfjs umbrella
// package had one). The layers, converter and data APIs of the umbrella are not part of it: scalespace
// does not use them, and they would triple an install (see the core README, "Install size").
import { version_cpu } from '@tensorflow/tfjs-backend-cpu';
import { version_wasm } from '@tensorflow/tfjs-backend-wasm';
import { version_core } from '@tensorflow/tfjs-core';

export * from '@tensorflow/tfjs-core';

/** Versions of the TensorFlow.js packages in use; `tfjs` is tfjs-core's (what the umbrella reported). */
export const version = {
  tfjs: version_core,
  'tfjs-core': version_core,
  'tfjs-backend-cpu': version_cpu,
  'tfjs-backend-wasm': version_wasm,
};
