// `@scalespace/singan/internal`: plumbing the scalespace CLI, benchmarks and tests share, not the
// public API (it may change in any release): the trainers' option resolvers and a synthetic test image.

export { resolvePetsGANOptions } from './petsgan-options.js';
export { resolveSinGANOptions } from './singan-options.js';
export { syntheticImage } from './test-image.js';
