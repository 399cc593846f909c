// The figure of `pnpm bench sr`: one input across every method, side by side (the low-resolution input
// enlarged by pixel repetition first, the ground truth last).
import { fileURLToPath } from 'node:url';
import { tf, writeImage } from '@scalespace/core';

/** First output of each method, in table order, collected while the rows are measured. */
export class FigureStrip {
  private readonly tiles: Array<{ label: string; image: tf.Tensor3D }> = [];

  /** Keeps a copy of the first image of `batch` [N, H, W, 1] under `label`. */
  add(label: string, batch: tf.Tensor4D): void {
    this.tiles.push({
      label,
      image: tf.tidy(() => tf.clipByValue(tf.squeeze(tf.slice(batch, [0], [1]), [0]), 0, 1)) as tf.Tensor3D,
    });
  }

  /** Writes the strip to docs/NAME.png (each tile enlarged `zoom` times by pixel repetition) and frees it. */
  async write(name: string, zoom: number): Promise<{ file: string; order: string[] }> {
    const gap = 4;
    const strip = tf.tidy(() => {
      const parts: tf.Tensor3D[] = [];
      const [h] = this.tiles[this.tiles.length - 1].image.shape;
      for (const { image } of this.tiles) {
        const big = tf.image.resizeNearestNeighbor(image, [h * zoom, (image.shape[1] * h * zoom) / image.shape[0]]);
        parts.push(big as tf.Tensor3D, tf.ones([h * zoom, gap, 1]));
      }
      return tf.concat(parts.slice(0, -1), 1);
    });
    const file = fileURLToPath(new URL(`../../docs/${name}.png`, import.meta.url));
    await writeImage(file, strip);
    strip.dispose();
    const order = this.tiles.map((t) => t.label);
    for (const t of this.tiles) t.image.dispose();
    return { file, order };
  }
}
