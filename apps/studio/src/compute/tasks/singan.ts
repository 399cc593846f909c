// SinGAN (the shipped model of the coffee photo): samples at any width and height, and the animation (a random
// walk in the noise around the reconstruction). The model's calls are synchronous: samples are drawn one call
// each so progress shows between them; the animation is one call, announced with its expected length.
import { throwIfAborted, yieldToEventLoop } from '@scalespace/core';
import type { TaskContext } from '../context.js';
import { loadSeconds, singan } from '../models.js';
import { toPicture, toPictures } from '../pictures.js';
import type { Picture } from '../protocol.js';

export interface SinganSampleInput {
  width: number;
  height: number;
  n: number;
  /** Sample i uses seed + i. */
  seed: number;
}

export interface SinganAnimateInput {
  width: number;
  height: number;
  frames: number;
  seed: number;
}

export interface SinganOutput {
  images: Picture[];
  /** The training image at the model's resolution. */
  training: Picture;
  seconds: number;
  loadSeconds: number;
}

/** Seconds per output pixel of the last generation, to announce how long an animation will take. */
let secondsPerPixel: number | null = null;

async function finish(images: Picture[], started: number, pixels: number): Promise<Omit<SinganOutput, 'training'>> {
  const seconds = (performance.now() - started) / 1000;
  secondsPerPixel = seconds / pixels;
  return { images, seconds, loadSeconds: loadSeconds.get('singan-coffee') ?? 0 };
}

async function trainingImage(context: TaskContext): Promise<Picture> {
  const image = (await singan(context)).trainingImage();
  return toPicture(image).finally(() => image.dispose());
}

export async function singanSample(input: SinganSampleInput, context: TaskContext): Promise<SinganOutput> {
  const model = await singan(context);
  const started = performance.now();
  const images: Picture[] = [];
  for (let i = 0; i < input.n; i++) {
    throwIfAborted(context.signal, 'SinGAN sampling');
    const sample = model.sample({ n: 1, seed: input.seed + i, size: [input.height, input.width] });
    images.push(await toPicture(sample).finally(() => sample.dispose()));
    context.report({ step: i + 1, total: input.n, phase: `sample ${i + 1}` });
    await yieldToEventLoop();
  }
  const done = await finish(images, started, input.n * input.width * input.height);
  return { ...done, training: await trainingImage(context) };
}

export async function singanAnimate(input: SinganAnimateInput, context: TaskContext): Promise<SinganOutput> {
  const model = await singan(context);
  const pixels = input.frames * input.width * input.height;
  if (secondsPerPixel !== null) context.report({ estimateSeconds: secondsPerPixel * pixels, phase: 'animating' });
  await yieldToEventLoop();
  const started = performance.now();
  const frames = model.animate({ frames: input.frames, seed: input.seed, size: [input.height, input.width] });
  const images = await toPictures(frames).finally(() => frames.dispose());
  const done = await finish(images, started, pixels);
  return { ...done, training: await trainingImage(context) };
}
