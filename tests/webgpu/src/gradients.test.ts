// The convolution gradients scalespace trains with (conv2d with stride and dilation, depthwise,
// transposed), on webgpu against wasm (whose backprop kernels core registers).
import { rng, tf } from '@scalespace/core';
import { describe, it } from 'vitest';
import { expectSameOnBoth, host, onBothBackends, webgpuSkipReason } from './harness.js';

const skip = await webgpuSkipReason();

/** Gradients of sum(f(x, w) * probe) with respect to x and w, from seeded inputs. */
function gradientsOf(
  f: (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor,
  xShape: number[],
  wShape: number[],
  outShape: number[],
) {
  return async () => {
    const r = rng(11);
    const x = r.normalTensor(xShape) as tf.Tensor4D;
    const w = r.normalTensor(wShape) as tf.Tensor4D;
    const probe = r.normalTensor(outShape);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(f(a as tf.Tensor4D, b as tf.Tensor4D), probe)),
    )([x, w]);
    tf.dispose([x, w, probe]);
    return { dx: await host(dx), dw: await host(dw) };
  };
}

describe.skipIf(skip !== null)('convolution gradients on webgpu equal wasm', () => {
  it('conv2d, stride 2 and dilation 2', async () => {
    expectSameOnBoth(
      await onBothBackends(gradientsOf((x, w) => tf.conv2d(x, w, 2, 'same'), [2, 9, 9, 3], [3, 3, 3, 5], [2, 5, 5, 5])),
    );
    expectSameOnBoth(
      await onBothBackends(
        gradientsOf((x, w) => tf.conv2d(x, w, 1, 'valid', 'NHWC', 2), [2, 9, 9, 3], [3, 3, 3, 4], [2, 5, 5, 4]),
      ),
    );
  });

  it('depthwise conv2d', async () => {
    expectSameOnBoth(
      await onBothBackends(
        gradientsOf((x, w) => tf.depthwiseConv2d(x, w, 1, 'same'), [2, 8, 8, 4], [3, 3, 4, 2], [2, 8, 8, 8]),
      ),
    );
  });

  it('transposed conv2d (stride 2)', async () => {
    expectSameOnBoth(
      await onBothBackends(
        gradientsOf(
          (x, w) => tf.conv2dTranspose(x, w, [2, 8, 8, 3], 2, 'same'),
          [2, 4, 4, 5],
          [3, 3, 3, 5],
          [2, 8, 8, 3],
        ),
      ),
    );
  });
});
