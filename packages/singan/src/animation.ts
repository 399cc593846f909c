import { type AnimatedGifOptions, InvalidArgumentError, tf, writeAnimatedGif, writeImage } from '@scalespace/core';

/** Frame delay and loops of the GIF (core's `writeAnimatedGif`); a folder of frames ignores them. */
export type WriteAnimationOptions = AnimatedGifOptions;

/**
 * Writes frames [T, H, W, 3] in [0, 1] as an animated GIF (when `path` ends in .gif) or as a folder
 * of PNG frames `frame-000.png`, ... (any other path). Atomic per file.
 */
export async function writeAnimation(
  path: string,
  frames: tf.Tensor4D,
  options: WriteAnimationOptions = {},
): Promise<void> {
  if (frames.rank !== 4 || frames.shape[0] < 1)
    throw new InvalidArgumentError(`writeAnimation: expected frames [T, H, W, C], got [${frames.shape.join(', ')}]`);
  const [t, h, w, c] = frames.shape;
  if (!path.toLowerCase().endsWith('.gif')) {
    const { mkdir } = await import('node:fs/promises');
    const { join } = await import('node:path');
    await mkdir(path, { recursive: true });
    for (let i = 0; i < t; i++) {
      const frame = tf.tidy(() => tf.squeeze(tf.slice(frames, [i, 0, 0, 0], [1, h, w, c]), [0]));
      await writeImage(join(path, `frame-${String(i).padStart(3, '0')}.png`), frame);
      frame.dispose();
    }
    return;
  }
  await writeAnimatedGif(path, frames, options);
}
