import { readImage, tf } from '@scalespace/core';
import type { LinearOperator } from '@scalespace/denoisers';
import {
  blockAverageOperator,
  gaussianBlurOperator,
  maskOperator,
  randomPixelsOperator,
  randomProjectionOperator,
} from '@scalespace/denoisers';
import type { CommandContext } from '../command.js';
import { intOption, numberOption, stringOption, UsageError } from '../command.js';

// The measurements `scalespace restore` restores from: one linear operator per --task, from the task's options.

export const TASKS = ['sr', 'inpaint', 'pixels', 'deblur', 'cs'] as const;
export type Task = (typeof TASKS)[number];

/** The pixels to keep for inpainting: outside the --mask (white = to fill), or outside a centred square. */
async function knownPixels(ctx: CommandContext, h: number, w: number): Promise<tf.Tensor2D> {
  if (ctx.values.mask === undefined) {
    const side = Math.max(1, Math.round(Math.min(h, w) / 4));
    const [top, left] = [Math.floor((h - side) / 2), Math.floor((w - side) / 2)];
    const rows: [number, number] = [top, h - side - top];
    const columns: [number, number] = [left, w - side - left];
    return tf.tidy(() => tf.pad(tf.zeros([side, side]), [rows, columns], 1) as tf.Tensor2D);
  }
  const path = stringOption(ctx, 'mask');
  const mask = await readImage(path, { channels: 1 });
  const [mh, mw] = mask.shape;
  if (mh !== h || mw !== w) {
    mask.dispose();
    throw new UsageError(`--mask ${path} is ${mw}x${mh}, the image ${w}x${h}: give a mask of the image's size`);
  }
  const known = tf.tidy(() => tf.cast(tf.less(tf.squeeze(mask, [2]), 0.5), 'float32')) as tf.Tensor2D;
  mask.dispose();
  const fill = h * w - (await known.sum().data())[0];
  if (fill === 0 || fill === h * w) {
    known.dispose();
    throw new UsageError(
      fill === 0
        ? `--mask ${path} marks no pixel to fill (white marks the hole; it is all black)`
        : `--mask ${path} marks every pixel to fill (white marks the hole; it is all white)`,
    );
  }
  return known;
}

/** The measurement operator of a task on images of `shape`, from the task's options. */
export async function operatorFor(
  ctx: CommandContext,
  task: Task,
  shape: [number, number, number],
): Promise<LinearOperator> {
  const [h, w] = shape;
  const seed = intOption(ctx, 'seed');
  const keep = () => numberOption(ctx, 'keep');
  switch (task) {
    case 'sr': {
      const factor = intOption(ctx, 'factor');
      if (h % factor !== 0 || w % factor !== 0) {
        const fit = `${Math.floor(w / factor) * factor}x${Math.floor(h / factor) * factor}`;
        throw new UsageError(`--factor ${factor} does not divide the image size ${w}x${h}; crop it to ${fit}`);
      }
      return blockAverageOperator(shape, factor);
    }
    case 'inpaint': {
      const known = await knownPixels(ctx, h, w);
      try {
        return await maskOperator(known, shape[2], 'inpainting');
      } finally {
        known.dispose();
      }
    }
    case 'pixels':
      return randomPixelsOperator(shape, keep(), { seed });
    case 'deblur':
      return gaussianBlurOperator(shape, numberOption(ctx, 'blur', undefined, undefined, Math.min(h, w) / 4));
    case 'cs':
      return randomProjectionOperator(shape, keep(), { seed });
  }
}
