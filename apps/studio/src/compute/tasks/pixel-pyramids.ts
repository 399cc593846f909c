// PixelPyramids: samples drawn coarse to fine (counting the sequential network evaluations against the one per
// pixel of a pixel-by-pixel model), and exact super-resolution from the 8x8 level of a digit's paired pyramid.
import type { PixelPyramids } from '@scalespace/autoregressive';
import { tf } from '@scalespace/core';
import { disposePaired, pairedPyramid } from '@scalespace/pyramids';
import { longWork, type TaskContext } from '../context.js';
import { loadSeconds, pixelPyramids } from '../models.js';
import { fromPicture, toPicture, toPictures } from '../pictures.js';
import type { Picture } from '../protocol.js';

const BITS = 8;
const COARSE = 8;

export interface PyramidSampleInput {
  n: number;
  temperature: number;
  seed: number;
}

export interface PyramidSampleOutput {
  samples: Picture[];
  /** Sequential network evaluations per batch of samples. */
  networkEvaluations: number;
  /** What a pixel-by-pixel autoregressive model of the same images needs: one evaluation per pixel. */
  pixelByPixel: number;
  seconds: number;
  loadSeconds: number;
}

export interface PyramidSrInput {
  /** The 32x32 grey digit whose 8x8 paired-pyramid level is the input. */
  digit: Picture;
  samples: number;
  seed: number;
}

export interface PyramidSrOutput {
  coarse: Picture;
  samples: Picture[];
  /** Whether every sample's own paired pyramid has exactly the input at the 8x8 level. */
  exact: boolean;
  networkEvaluations: number;
  seconds: number;
}

async function model(context: TaskContext): Promise<PixelPyramids> {
  return (await pixelPyramids(context)).module as PixelPyramids;
}

export async function pyramidSample(input: PyramidSampleInput, context: TaskContext): Promise<PyramidSampleOutput> {
  const net = await model(context);
  const { images, networkEvaluations, seconds } = await net.sample({
    n: input.n,
    temperature: input.temperature,
    seed: input.seed,
    ...longWork(context, 'sampling'),
  });
  try {
    return {
      samples: await toPictures(images, { bits: BITS }),
      networkEvaluations,
      pixelByPixel: net.config.height * net.config.width,
      seconds,
      loadSeconds: loadSeconds.get('pixelpyramids-mnist') ?? 0,
    };
  } finally {
    images.dispose();
  }
}

/** The coarse image of the paired pyramid of 8-bit integer images [N, 32, 32, 1] that is COARSE x COARSE. */
function coarseLevel(ints: tf.Tensor): tf.Tensor {
  const pyramid = pairedPyramid(ints, { bits: BITS, coarsest: COARSE });
  const coarse = tf.clone(pyramid.coarse);
  disposePaired(pyramid);
  return coarse;
}

export async function pyramidSuperResolve(input: PyramidSrInput, context: TaskContext): Promise<PyramidSrOutput> {
  const net = await model(context);
  const coarse = tf.tidy(() => {
    const ints = tf.cast(tf.round(tf.mul(fromPicture(input.digit), 2 ** BITS - 1)), 'int32');
    return tf.tile(coarseLevel(tf.expandDims(ints, 0)), [input.samples, 1, 1, 1]);
  });
  const { images, networkEvaluations, seconds } = await net.superResolve(coarse, {
    seed: input.seed,
    ...longWork(context, 'super-resolving'),
  });
  const again = coarseLevel(images);
  const same = tf.tidy(() => tf.all(tf.equal(again, coarse)));
  const first = tf.slice(coarse, 0, 1);
  try {
    return {
      coarse: await toPicture(first, { bits: BITS }),
      samples: await toPictures(images, { bits: BITS }),
      exact: (await same.data())[0] === 1,
      networkEvaluations,
      seconds,
    };
  } finally {
    tf.dispose([coarse, images, again, same, first]);
  }
}
