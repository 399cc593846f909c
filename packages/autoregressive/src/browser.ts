// The API that runs everywhere, browsers included (the package's `browser` export condition);
// index.ts adds the Node-only trainer (run folders, checkpoints on disk).
export type { CleanupOptions } from './cleanup.js';
export { cleanSample, medianFilter } from './cleanup.js';
export type { ConditionalLevelConfig, FineValues } from './conditional-level.js';
export { ConditionalLevel } from './conditional-level.js';
export { allImages, totalProbability } from './exactness.js';
export { concatElu, GatedResnet } from './gated-resnet.js';
export type { IsolationForestOptions } from './isolation-forest.js';
export { averagePathLength, IsolationForest } from './isolation-forest.js';
export type { AutoregressiveConfig, AutoregressiveModel, PixelCnnImageConfig, SavedModelInfo } from './model-io.js';
export { createModel, loadModel, saveModel } from './model-io.js';
export type { PixelPyramidsConfig, SampleOptions } from './pixel-pyramids.js';
export { PixelPyramids } from './pixel-pyramids.js';
export type { PixelCnnConfig, SampleResult } from './pixelcnn.js';
export { PixelCnn, toUnitScale, validatePixelCnnConfig } from './pixelcnn.js';
export type { RecipeOptions } from './recipes.js';
export { recipeConfig } from './recipes.js';
export { downShift, RectConv2d, rightShift, ShiftedConv2d } from './shifted-conv.js';
