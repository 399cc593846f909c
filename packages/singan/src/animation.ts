import { InvalidArgumentError, tf, toBytes, writeFileAtomic, writeImage } from '@scalespace/core';

export interface WriteAnimationOptions {
  /** Milliseconds per frame (default 80). */
  delayMs?: number;
  /** Loops of the GIF (0 = forever, the default). */
  loop?: number;
}

/**
 * Writes frames [T, H, W, 3] in [0, 1] as an animated GIF (when `path` ends in .gif) or as a folder
 * of PNG frames `frame-000.png`, ... (any other path). Atomic per file.
 */
export async function writeAnimation(
  path: string,
  frames: tf.Tensor4D,
  options: WriteAnimationOptions = {},
): Promise<void> {
  const { delayMs = 80, loop = 0 } = options;
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
  // The frames stacked vertically form one tall image whose pages are the frames.
  const tall = tf.reshape(frames, [t * h, w, c]);
  const { data } = await toBytes(tall);
  tall.dispose();
  const sharp = (await import('sharp')).default;
  const gif = await sharp(Buffer.from(data), { raw: { width: w, height: t * h, channels: c as 3, pageHeight: h } })
    .gif({ delay: Array(t).fill(delayMs), loop })
    .toBuffer();
  await writeFileAtomic(path, gif);
}
