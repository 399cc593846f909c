// The one place in scalespace that imports TensorFlow.js. Every other package gets `tf` from here,
// so a process holds one engine, one kernel registry and one gradient registry.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerDilatedConvGradients } from './conv-gradients.js';
import { registerMirrorPadGradient } from './mirror-pad-gradient.js';
import { registerWasmTrainingKernels } from './wasm-training-kernels.js';

registerWasmTrainingKernels();
registerDilatedConvGradients();
registerMirrorPadGradient();

export { tf };
