export { concatElu, GatedResnet } from './gated-resnet.js';
export type { PixelCnnConfig, SampleResult } from './pixelcnn.js';
export { PixelCnn, toUnitScale, validatePixelCnnConfig } from './pixelcnn.js';
export { downShift, RectConv2d, rightShift, ShiftedConv2d } from './shifted-conv.js';
