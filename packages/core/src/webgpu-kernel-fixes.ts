// Two tfjs-backend-webgpu 4.22 kernels that fail on tensors scalespace uses (int32 pyramids, rank 5
// and 6 from the squeeze), replaced by compositions of kernels that work:
//
// - Transpose of int32 can compile an invalid shader (an i32 written where f32 is expected; seen at
//   ranks 4 to 6) and then returns zeros. Done here in float32, on two 16-bit halves so every int32 is
//   exact. (An int32 -> float32 cast on webgpu only relabels the buffer; adding 0 makes real floats.)
// - Tile at rank >= 5 reads the tensor back synchronously (impossible in Node, slow in a browser).
//   Tiled here one axis at a time, each as a rank-3 tile [before, axis, after].
// - Select (tf.where) at rank >= 5 throws "not yet supported". Its inputs have one shape (tf.where
//   broadcasts them first), so it runs here on flattened copies.
//
// The replacements call the original kernels for the cases those handle.

import * as ops from '@tensorflow/tfjs-core';
import {
  engine,
  getKernel,
  type KernelConfig,
  type KernelFunc,
  registerKernel,
  Tensor,
  type TensorInfo,
} from '@tensorflow/tfjs-core';

const asTensor = (info: TensorInfo): Tensor =>
  info instanceof Tensor ? info : engine().makeTensorFromTensorInfo(info);

function replace(kernelName: string, make: (original: KernelFunc) => KernelFunc): void {
  const original = getKernel(kernelName, 'webgpu');
  if (!original || (original as { scalespace?: boolean }).scalespace) return;
  ops.unregisterKernel(kernelName, 'webgpu');
  const config: KernelConfig & { scalespace: boolean } = {
    kernelName,
    backendName: 'webgpu',
    kernelFunc: make(original.kernelFunc),
    scalespace: true,
  };
  registerKernel(config);
}

function transposeInt32(x: Tensor, perm: number[]): Tensor {
  return ops.tidy(() => {
    const base = ops.scalar(65536, 'int32');
    const high = ops.floorDiv(x, base);
    const low = ops.sub(x, ops.mul(high, base));
    const moved = [high, low].map((part) =>
      ops.cast(ops.transpose(ops.add(ops.cast(part, 'float32'), ops.scalar(0)), perm), 'int32'),
    );
    return ops.add(ops.mul(moved[0], base), moved[1]);
  });
}

function tileByAxis(x: Tensor, reps: number[]): Tensor {
  return ops.tidy(() => {
    let y = x;
    for (let axis = 0; axis < reps.length; axis++) {
      if (reps[axis] === 1) continue;
      const shape = y.shape;
      const before = shape.slice(0, axis).reduce((a, b) => a * b, 1);
      const after = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
      const tiled = ops.tile(ops.reshape(y, [before, shape[axis], after]), [1, reps[axis], 1]);
      y = ops.reshape(tiled, [...shape.slice(0, axis), shape[axis] * reps[axis], ...shape.slice(axis + 1)]);
    }
    return y === x ? ops.clone(x) : y;
  });
}

/** Registers the replacements for the webgpu backend (idempotent; a no-op where it is not imported). */
export function registerWebgpuKernelFixes(): void {
  replace('Transpose', (original) => (args) => {
    const x = args.inputs.x as TensorInfo;
    const { perm } = args.attrs as unknown as { perm: number[] };
    if (x.dtype !== 'int32') return original(args);
    return transposeInt32(asTensor(x), perm);
  });
  replace('Select', (original) => (args) => {
    const { condition, t, e } = args.inputs as Record<string, TensorInfo>;
    if (condition.shape.length < 5) return original(args);
    return ops.tidy(() => {
      const flat = [condition, t, e].map((info) => ops.reshape(asTensor(info), [-1]));
      return ops.reshape(ops.where(flat[0], flat[1], flat[2]), t.shape);
    });
  });
  replace('Tile', (original) => (args) => {
    const x = args.inputs.x as TensorInfo;
    const { reps } = args.attrs as unknown as { reps: number[] };
    if (x.shape.length < 5 || x.dtype === 'string') return original(args);
    return tileByAxis(asTensor(x), reps);
  });
}
