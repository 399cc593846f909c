// Gradients of Conv2D and DepthwiseConv2dNative that also handle dilation > 1 (tfjs's own throw
// "dilation rates greater than 1 are not yet supported in gradients"). Undilated convs keep using
// each backend's backprop kernels; dilated ones use the composed backprops, which run on any backend.
import {
  engine,
  type GradConfig,
  type NamedAttrMap,
  registerGradient,
  type Tensor,
  type Tensor4D,
} from '@tensorflow/tfjs-core';
import {
  conv2dBackpropFilterComposed,
  conv2dBackpropInputComposed,
  depthwiseBackpropFilterComposed,
  depthwiseBackpropInputComposed,
} from './wasm-training-kernels.js';

type Pair = [number, number];
const pair = (v: unknown): Pair => (v == null ? [1, 1] : typeof v === 'number' ? [v, v] : (v as Pair));
const isOne = ([a, b]: Pair) => a === 1 && b === 1;

interface ConvAttrs {
  strides: number | Pair;
  pad: 'valid' | 'same' | number;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: number | Pair;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

const conv2DGrad: GradConfig = {
  kernelName: 'Conv2D',
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter] = saved as [Tensor4D, Tensor4D];
    const a = attrs as unknown as ConvAttrs;
    const dilations = pair(a.dilations);
    const strides = pair(a.strides);
    const grad = dy as Tensor4D;
    if (isOne(dilations)) {
      const common = { strides, pad: a.pad, dataFormat: a.dataFormat ?? 'NHWC', dimRoundingMode: a.dimRoundingMode };
      return {
        x: () =>
          engine().runKernel('Conv2DBackpropInput', { dy: grad, filter }, {
            ...common,
            inputShape: x.shape,
          } as unknown as NamedAttrMap) as Tensor,
        filter: () =>
          engine().runKernel('Conv2DBackpropFilter', { x, dy: grad }, {
            ...common,
            filterShape: filter.shape,
          } as unknown as NamedAttrMap) as Tensor,
      };
    }
    if (a.dataFormat === 'NCHW') throw new Error('conv2d gradient with dilation > 1 supports NHWC only');
    return {
      x: () => conv2dBackpropInputComposed(grad, filter, x.shape, strides, dilations, a.pad, a.dimRoundingMode),
      filter: () => conv2dBackpropFilterComposed(x, grad, filter.shape, strides, dilations, a.pad, a.dimRoundingMode),
    };
  },
};

const depthwiseGrad: GradConfig = {
  kernelName: 'DepthwiseConv2dNative',
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter] = saved as [Tensor4D, Tensor4D];
    const a = attrs as unknown as ConvAttrs;
    const dilations = pair(a.dilations);
    const strides = pair(a.strides);
    const grad = dy as Tensor4D;
    if (isOne(dilations)) {
      const common = { strides, dilations, pad: a.pad, dimRoundingMode: a.dimRoundingMode };
      return {
        x: () =>
          engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy: grad, filter }, {
            ...common,
            inputShape: x.shape,
          } as unknown as NamedAttrMap) as Tensor,
        filter: () =>
          engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy: grad }, {
            ...common,
            filterShape: filter.shape,
          } as unknown as NamedAttrMap) as Tensor,
      };
    }
    return {
      x: () => depthwiseBackpropInputComposed(grad, filter, x.shape, strides, dilations, a.pad, a.dimRoundingMode),
      filter: () =>
        depthwiseBackpropFilterComposed(x, grad, filter.shape, strides, dilations, a.pad, a.dimRoundingMode),
    };
  },
};

/** Replaces tfjs's Conv2D and DepthwiseConv2dNative gradients with dilation-aware ones (idempotent). */
export function registerDilatedConvGradients(): void {
  registerGradient(conv2DGrad);
  registerGradient(depthwiseGrad);
}
