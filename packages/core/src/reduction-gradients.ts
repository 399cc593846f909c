// tfjs's Sum and Mean gradients multiply dy by a ones tensor of x's full shape, which tfjs-core builds
// as a JavaScript array and uploads on every call. In a training step with batch or instance norm that
// array work took a quarter of SinGAN's time. These replacements multiply by onesLike(x), a backend
// kernel: the same values, and the same cheap gradient for second-order use (the gradient penalty).
// Not broadcastTo: its Tile kernel is slow on wasm, and Tile's gradient adds one slice per repetition.

import * as ops from '@tensorflow/tfjs-core';
import { type GradConfig, type NamedAttrMap, registerGradient, type Tensor } from '@tensorflow/tfjs-core';

/** dy reshaped to x's rank (reduced axes of size 1) and the number of elements each output summed. */
function expandedDy(dy: Tensor, x: Tensor, attrs: NamedAttrMap): { dy: Tensor; count: number } {
  const axes = ops.util.parseAxisParam(attrs.axis as number | number[], x.shape);
  const shape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const count = axes.reduce((n, a) => n * x.shape[a], 1);
  return { dy: ops.reshape(dy, shape), count };
}

function reductionGradient(kernelName: 'Sum' | 'Mean'): GradConfig {
  return {
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      return {
        x: () =>
          ops.tidy(() => {
            const { dy: expanded, count } = expandedDy(dy as Tensor, x, attrs);
            const spread = kernelName === 'Mean' ? ops.div(expanded, count) : expanded;
            const float = spread.dtype === 'float32' ? spread : ops.cast(spread, 'float32');
            return ops.mul(float, ops.onesLike(x.dtype === 'float32' ? x : ops.cast(x, 'float32')));
          }),
      };
    },
  };
}

/** Replaces tfjs's Sum and Mean gradients with ones that build their ones on the backend (idempotent). */
export function registerReductionGradients(): void {
  registerGradient(reductionGradient('Sum'));
  registerGradient(reductionGradient('Mean'));
}
