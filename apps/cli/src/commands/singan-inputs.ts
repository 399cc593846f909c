import { existsSync } from 'node:fs';
import {
  assertFitsMemory,
  InvalidImageError,
  imageGrid,
  memoryBudget,
  type ProgressEvent,
  ProgressTracker,
  progressBar,
  readImage,
  tf,
  throwIfAborted,
  writeImage,
} from '@scalespace/core';
import { loadSingleImageModel, type SingleImageModel, type Size, sampleMemory } from '@scalespace/singan';
import { type CommandContext, UsageError } from '../command.js';
import { type ModelKind, resolveModel } from '../models.js';

// What the `singan` application commands share: finding the model, reading the inputs, checking
// memory, and making several outputs one at a time (with progress, stoppable between them).

/** The models the `singan` applications take. */
export const SINGLE_IMAGE_KINDS: readonly ModelKind[] = ['singan', 'petsgan'];

/** Loads MODEL: a SinGAN / PetsGAN folder, or a shipped model by short or package name. The command disposes it. */
export async function loadSinganModel(ctx: CommandContext, name: string): Promise<SingleImageModel> {
  const { dir } = await resolveModel(name, SINGLE_IMAGE_KINDS, 'MODEL');
  const model = await loadSingleImageModel(dir);
  ctx.defer(() => model.dispose());
  return model;
}

/** Reads an image file as [H, W, channels] in [0, 1] (disposed when the command ends); errors name the option. */
export async function readInput(
  ctx: CommandContext,
  path: string,
  what: string,
  channels: 1 | 3,
): Promise<tf.Tensor3D> {
  if (!existsSync(path)) throw new UsageError(`${what}: no file at "${path}"`);
  let image: tf.Tensor3D;
  try {
    image = await readImage(path, { channels });
  } catch (error) {
    if (error instanceof InvalidImageError) throw new InvalidImageError(`${what}: ${error.message}`, { cause: error });
    throw error;
  }
  ctx.defer(() => image.dispose());
  return image;
}

/** Refuses at once `n` outputs of `size` (or a clip of `frames`) that the backend cannot hold, naming what fits. */
export async function checkOutputMemory(
  model: SingleImageModel,
  request: { size: Size; n?: number; frames?: number },
  what: string,
): Promise<void> {
  const memory = await sampleMemory(model, request);
  const budget = await memoryBudget();
  const fits = memory.largestSize(budget.bytes);
  const [h, w] = request.size;
  assertFitsMemory(
    memory.bytes,
    budget,
    `${what} of ${w}x${h}`,
    fits ? `the largest output that fits is ${fits[1]}x${fits[0]}` : 'lower --n',
  );
}

/**
 * Makes `n` outputs with seeds seed .. seed + n - 1, one at a time (progress after each; Ctrl-C stops
 * between them), and writes them to `file`: the image, or a grid of them. Returns the output size.
 */
export async function writeOutputs(
  ctx: CommandContext,
  file: string,
  options: { n: number; seed: number; label: string },
  make: (seed: number) => tf.Tensor4D,
): Promise<Size> {
  const bar = ctx.json ? undefined : progressBar();
  const tracker = new ProgressTracker(options.n, { onProgress: (e: ProgressEvent) => bar?.(e) });
  const outputs: tf.Tensor4D[] = [];
  ctx.defer(() => {
    for (const o of outputs) o.dispose();
  });
  for (let i = 0; i < options.n; i++) {
    throwIfAborted(ctx.signal);
    outputs.push(make(options.seed + i));
    tracker.report(i + 1, { phase: options.label });
  }
  bar?.done();
  const [, h, w] = outputs[0].shape;
  const image = tf.tidy(() =>
    outputs.length === 1 ? (outputs[0].squeeze([0]) as tf.Tensor3D) : imageGrid(tf.concat(outputs) as tf.Tensor4D),
  );
  ctx.defer(() => image.dispose());
  await writeImage(file, image);
  return [h, w];
}
