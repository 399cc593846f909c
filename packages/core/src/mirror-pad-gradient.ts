// tfjs's MirrorPad gradient only slices the centre out of dy, dropping the gradient that flows through
// the mirrored border copies, so anything trained through reflective padding gets wrong gradients.
// This replacement folds every border of dy back onto the samples it copied, axis by axis.

import * as ops from '@tensorflow/tfjs-core';
import { type GradConfig, type NamedAttrMap, registerGradient, type Tensor } from '@tensorflow/tfjs-core';

/** Folds dy of a mirror-padded axis back to the unpadded length. */
function foldAxis(dy: Tensor, axis: number, before: number, after: number, n: number, offset: number): Tensor {
  if (before === 0 && after === 0) return dy;
  const size = (start: number, length: number) => {
    const begin = dy.shape.map((_, i) => (i === axis ? start : 0));
    const extent = dy.shape.map((d, i) => (i === axis ? length : d));
    return ops.slice(dy, begin, extent);
  };
  let out = size(before, n);
  const place = (part: Tensor, start: number) => {
    // Put `part` (already reversed) at [start, start + length) of an axis of length n.
    const length = part.shape[axis];
    const pads = part.shape.map((_, i) =>
      i === axis ? ([start, n - start - length] as [number, number]) : ([0, 0] as [number, number]),
    );
    out = ops.add(out, ops.pad(part, pads));
  };
  // dy[before - 1 - k] is a copy of x[offset + k]; dy[before + n + k] is a copy of x[n - 1 - offset - k].
  if (before > 0) place(ops.reverse(size(0, before), axis), offset);
  if (after > 0) place(ops.reverse(size(before + n, after), axis), n - offset - after);
  return out;
}

const mirrorPadGrad: GradConfig = {
  kernelName: 'MirrorPad',
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved;
    const { paddings, mode } = attrs as unknown as NamedAttrMap & { paddings: Array<[number, number]>; mode: string };
    const offset = mode === 'reflect' ? 1 : 0;
    return {
      x: () =>
        ops.tidy(() =>
          paddings.reduce(
            (g, [before, after], axis) => foldAxis(g, axis, before, after, x.shape[axis], offset),
            dy as Tensor,
          ),
        ),
    };
  },
};

/** Replaces tfjs's MirrorPad gradient with one that counts the mirrored border copies (idempotent). */
export function registerMirrorPadGradient(): void {
  registerGradient(mirrorPadGrad);
}
