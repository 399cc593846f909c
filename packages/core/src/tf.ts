// The one place in scalespace that imports TensorFlow.js. Every other package gets `tf` from here,
// so a process holds one engine, one kernel registry and one gradient registry.
//
// Only the parts scalespace runs on are imported: tfjs-core, its gradients and chained ops (the tfjs
// umbrella package registers these two; they are not in tfjs-core's Node entry), and the cpu and wasm
// backends. webgl is the browser platform's (platform/browser.ts); webgpu is imported when its rung starts.
// tfjs-core's own entry first (as the umbrella loads it), then the registrations, then the backends.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { registerDilatedConvGradients } from './conv-gradients.js';
import { registerMirrorPadGradient } from './mirror-pad-gradient.js';
import { registerReductionGradients } from './reduction-gradients.js';
import { registerWasmTrainingKernels } from './wasm-training-kernels.js';

registerWasmTrainingKernels();
registerCoreGradients();

/**
 * Registers the gradients core replaces (dilated convolutions, mirror padding, sum and mean) over tfjs's own. Called at
 * import, and again after tfjs-node is loaded, whose tfjs umbrella registers tfjs's gradients anew.
 */
export function registerCoreGradients(): void {
  registerDilatedConvGradients();
  registerMirrorPadGradient();
  registerReductionGradients();
}

export { tf };
