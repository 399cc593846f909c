// Every task the worker runs, by name: the page calls them through `ComputeClient.run`.
import { denoise } from './denoise.js';
import { explore } from './explorer.js';
import { heldOutPhotos } from './photos.js';
import { pyramidSample, pyramidSuperResolve } from './pixel-pyramids.js';
import { singanAnimate, singanSample } from './singan.js';
import { superResolution } from './super-resolution.js';

export const TASKS = {
  denoise,
  superResolution,
  pyramidSample,
  pyramidSuperResolve,
  singanSample,
  singanAnimate,
  explore,
  heldOutPhotos,
};

export type Tasks = typeof TASKS;
export type TaskName = keyof Tasks;
