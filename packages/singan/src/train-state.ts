import {
  CheckpointError,
  contentHash,
  groupTensors,
  InvalidArgumentError,
  type LongWorkOptions,
  loadTrainingState as loadState,
  RunDirectory,
  saveTrainingState as saveState,
  splitGroups,
  tf,
} from '@scalespace/core';
import { loadTrainingImage } from './training-image.js';
import { intIn } from './validate.js';

/** Saves named groups of tensors (model, critics, optimiser moments) and a JSON document as the run's training state. */
export async function saveTrainingState(
  dir: string,
  groups: Record<string, Record<string, tf.Tensor>>,
  info: unknown,
): Promise<void> {
  await saveState(dir, { tensors: groupTensors(groups), info });
}

/** Reads a training state back: tensors by group (owned by the caller) and the JSON document. Null when absent. */
export async function loadTrainingState<I>(
  dir: string,
): Promise<{ groups: Record<string, Record<string, tf.Tensor>>; info: I } | null> {
  const saved = await loadState<I>(dir);
  if (!saved) return null;
  if (saved.info === undefined) {
    tf.dispose(Object.values(saved.tensors));
    throw new CheckpointError(`"${saved.file}" has no readable training info; start over with --force`);
  }
  return { groups: splitGroups(saved.tensors), info: saved.info };
}

/** Disposes every tensor of a loaded training state. */
export function disposeGroups(groups: Record<string, Record<string, tf.Tensor>>): void {
  for (const g of Object.values(groups)) tf.dispose(Object.values(g));
}

/** What both single-image trainers take besides their schedule: the image, the run folder, the seed. */
export interface SingleImageRunOptions extends LongWorkOptions {
  /** The training image: a file path or an [H, W, 3] tensor in [0, 1]. */
  image: tf.Tensor3D | string;
  /** Directory for the model and the training state (checkpoints); optional. */
  out?: string;
  /**
   * Continue the run saved in `out`: its options are used, and an option given here that differs
   * from the run's (or another image) is refused.
   */
  resume?: boolean;
  /** Start over in a non-empty `out`. */
  force?: boolean;
  /** Write a checkpoint every this many steps of a scale or phase, and at its end (default 100). */
  checkpointEvery?: number;
  seed?: number;
}

/** What the SinGAN and PetsGAN trainers share at the start of a run. */
export interface TrainingStart<I> {
  image: tf.Tensor3D;
  checkpointEvery: number;
  /** The saved state when resuming (owned by the caller). */
  saved: { groups: Record<string, Record<string, tf.Tensor>>; info: I } | null;
  /** The run directory when there is an `out` (close it when done). */
  run: RunDirectory | null;
  /**
   * Resuming a run that stopped before its first checkpoint: the options and seed it recorded (it
   * starts again with them, the caller's given ones on top).
   */
  recorded: { options: Record<string, unknown>; seed?: number } | null;
}

/**
 * What every trainer does first: validates `checkpointEvery` and `resume`, loads the training image,
 * opens `out` under core's run-directory contract (a fingerprint of the image and of the options the
 * caller chose: a resume with another image or other options is refused) and, when resuming, loads
 * the saved state (checked to be of `format`). The caller owns the results.
 */
export async function beginTraining<I extends { config: { format: string } }>(
  options: SingleImageRunOptions,
  format: string,
  trainingOptions: { given: Record<string, unknown>; resolved: () => Record<string, unknown> },
): Promise<TrainingStart<I>> {
  const { out, resume = false } = options;
  const checkpointEvery = intIn(options.checkpointEvery, 100, 1, 1_000_000, 'checkpointEvery');
  if (resume && !out) throw new InvalidArgumentError('resume needs `out`, the directory of the run to continue');
  const image = await loadTrainingImage(options.image);
  let run: RunDirectory | null = null;
  try {
    if (out) {
      // A fresh run records every option; a resume checks the ones the caller gave (the rest come from the run).
      const resuming = resume && !options.force;
      const chosen = resuming
        ? Object.fromEntries(Object.entries(trainingOptions.given).filter(([, v]) => v !== undefined))
        : trainingOptions.resolved();
      run = await RunDirectory.open({
        dir: out,
        // 'scalespace-singan/1' -> 'singan'
        trainer: format.replace(/^scalespace-|\/\d+$/g, ''),
        fingerprint: {
          image: await contentHash(await image.data()),
          options: chosen,
          ...(resuming ? options.seed !== undefined && { seed: options.seed } : { seed: options.seed ?? 0 }),
        },
        resume,
        force: options.force === true,
      });
    }
    const saved = run?.resuming ? await loadTrainingState<I>(run.dir) : null;
    if (saved && saved.info.config?.format !== format) {
      disposeGroups(saved.groups);
      throw new CheckpointError(`"${out}" holds a training state of another kind; use a new --out directory`);
    }
    const fingerprint = run?.record?.fingerprint as { options?: Record<string, unknown>; seed?: number } | undefined;
    const recorded =
      run?.resuming && !saved && fingerprint
        ? { options: fingerprint.options ?? {}, ...(fingerprint.seed !== undefined && { seed: fingerprint.seed }) }
        : null;
    return { image, checkpointEvery, saved, run, recorded };
  } catch (error) {
    await run?.close(error);
    image.dispose();
    throw error;
  }
}

/** Refuses to resume a run whose saved training image is not this one (runs saved before run.json had no fingerprint). */
export async function assertSameImage(saved: tf.Tensor, now: tf.Tensor, dir: string | undefined): Promise<void> {
  let same = saved.shape.join() === now.shape.join();
  if (same) {
    const gap = tf.tidy(() => tf.max(tf.abs(tf.sub(saved, now))));
    same = (await gap.data())[0] <= 1e-6;
    gap.dispose();
  }
  if (!same) {
    throw new InvalidArgumentError(
      `cannot resume "${dir}": it was trained on another image; give the same image, pass --force to start over, or choose another --out`,
    );
  }
}

/** The options among `keys` that `options` sets (what the caller chose). */
export function chosenOptions(options: object, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(options).filter(([k, v]) => keys.includes(k) && v !== undefined && typeof v !== 'function'),
  );
}
