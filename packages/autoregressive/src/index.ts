export type { ConditionalLevelConfig } from './conditional-level.js';
export { ConditionalLevel } from './conditional-level.js';
export { allImages } from './exactness.js';
export { concatElu, GatedResnet } from './gated-resnet.js';
export type { PixelPyramidsConfig, SampleOptions } from './pixel-pyramids.js';
export { PixelPyramids } from './pixel-pyramids.js';
export type { PixelCnnConfig, SampleResult } from './pixelcnn.js';
export { PixelCnn, toUnitScale, validatePixelCnnConfig } from './pixelcnn.js';
export { downShift, RectConv2d, rightShift, ShiftedConv2d } from './shifted-conv.js';
