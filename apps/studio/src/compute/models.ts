// The shipped models the studio runs, each loaded once per worker on first use (its code is a separate
// chunk, its weights a package asset that Vite copies into the build).
import type { AutoregressiveModel } from '@scalespace/autoregressive';
import type { LongWorkOptions } from '@scalespace/core';
import type { Denoiser } from '@scalespace/denoisers';
import type { CVDVAE } from '@scalespace/hvae';
import type { SingleImageModel } from '@scalespace/singan';
import { DENOISERS, type DenoiserId } from '../denoisers.js';
import { longWork, type TaskContext } from './context.js';

type Loader<T> = (source: undefined, options: LongWorkOptions) => Promise<T>;

/** How to load each denoiser of the table in `../denoisers.ts` (a new row: one line there, one here). */
export const DENOISER_LOADERS: Record<DenoiserId, () => Promise<{ load: Loader<Denoiser> }>> = {
  'flat-rf43': () => import('@scalespace/model-denoiser-flat-rf43'),
  'multiscale-rf13': () => import('@scalespace/model-denoiser-multiscale-rf13'),
};

const cache = new Map<string, Promise<unknown>>();

/** Seconds spent loading each model (download, parse, upload to the backend), for the panels to show. */
export const loadSeconds = new Map<string, number>();

function cached<T>(key: string, context: TaskContext, load: (options: LongWorkOptions) => Promise<T>): Promise<T> {
  let model = cache.get(key) as Promise<T> | undefined;
  if (!model) {
    const started = performance.now();
    model = load(longWork(context, `weights of ${key}`)).then((loaded) => {
      loadSeconds.set(key, (performance.now() - started) / 1000);
      return loaded;
    });
    // A failed or cancelled load is tried again next time.
    model.catch(() => cache.delete(key));
    cache.set(key, model);
  }
  return model;
}

export function denoiser(id: DenoiserId, context: TaskContext): Promise<Denoiser> {
  if (!(id in DENOISERS))
    throw new Error(`unknown denoiser "${id}"; choose one of ${Object.keys(DENOISERS).join(', ')}`);
  return cached(id, context, async (options) => (await DENOISER_LOADERS[id]()).load(undefined, options));
}

export function cvdvae(context: TaskContext): Promise<CVDVAE> {
  return cached('cvdvae-mnist-x4', context, async (options) =>
    (await import('@scalespace/model-cvdvae-mnist-x4')).load(undefined, options),
  );
}

export function pixelPyramids(context: TaskContext): Promise<AutoregressiveModel> {
  return cached('pixelpyramids-mnist', context, async (options) =>
    (await import('@scalespace/model-pixelpyramids-mnist')).load(undefined, options),
  );
}

export function singan(context: TaskContext): Promise<SingleImageModel> {
  return cached('singan-coffee', context, async (options) =>
    (await import('@scalespace/model-singan-coffee')).load(undefined, options),
  );
}
