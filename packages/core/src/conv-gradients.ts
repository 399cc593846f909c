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

/** What both gradients read: the saved input and filter, the attributes, and dy. */
function gradientInputs(dy: Tensor, saved: Tensor[], attrs: NamedAttrMap) {
  const [x, filter] = saved as [Tensor4D, Tensor4D];
  const a = attrs as unknown as ConvAttrs;
  return { x, filter, a, dilations: pair(a.dilations), strides: pair(a.strides), grad: dy as Tensor4D };
}

/** dx and dW from the backend's own backprop kernels (undilated convolutions). */
function backendGradients(
  [inputKernel, filterKernel]: [string, string],
  { x, filter, grad }: { x: Tensor4D; filter: Tensor4D; grad: Tensor4D },
  common: Record<string, unknown>,
) {
  return {
    x: () =>
      engine().runKernel(inputKernel, { dy: grad, filter }, {
        ...common,
        inputShape: x.shape,
      } as unknown as NamedAttrMap) as Tensor,
    filter: () =>
      engine().runKernel(filterKernel, { x, dy: grad }, {
        ...common,
        filterShape: filter.shape,
      } as unknown as NamedAttrMap) as Tensor,
  };
}

const conv2DGrad: GradConfig = {
  kernelName: 'Conv2D',
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy, saved, attrs) => {
    const inputs = gradientInputs(dy as Tensor, saved, attrs);
    const { x, filter, a, dilations, strides, grad } = inputs;
    if (isOne(dilations)) {
      const common = { strides, pad: a.pad, dataFormat: a.dataFormat ?? 'NHWC', dimRoundingMode: a.dimRoundingMode };
      return backendGradients(['Conv2DBackpropInput', 'Conv2DBackpropFilter'], inputs, common);
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
    const inputs = gradientInputs(dy as Tensor, saved, attrs);
    const { x, filter, a, dilations, strides, grad } = inputs;
    if (isOne(dilations)) {
      const common = { strides, dilations, pad: a.pad, dimRoundingMode: a.dimRoundingMode };
      return backendGradients(
        ['DepthwiseConv2dNativeBackpropInput', 'DepthwiseConv2dNativeBackpropFilter'],
        inputs,
        common,
      );
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
