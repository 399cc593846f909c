// The README's figures of SinGAN's applications, on the shipped model of the CC0 coffee photo
// (models/singan-coffee) with inputs made here from the CC0 photos of @scalespace/data: harmonisation (the
// astronaut's mission patch pasted onto the table), editing (the spoon copied onto the table), paint-to-image
// (the photo flattened into a few colours), random samples from several start scales, and an animation. The
// library calls are the ones `scalespace singan ...` makes (the inputs are written to OUT for the CLI too). The
// figures are JPEGs at the model's size (128 x 85 a panel).
// Usage: npx tsx scripts/applications.mts OUT
import { join, resolve } from 'node:path';
import { imageGrid, initBackend, readImage, tf, writeImage } from '@scalespace/core';
import { fixturePath } from '@scalespace/data';
import { resize } from '@scalespace/pyramids';
import { writeAnimation } from '../src/animation.js';
import { loadSingleImageModel } from '../src/load-model.js';
import { dilateMask, MASK_DILATION } from '../src/mask.js';

const out = resolve(process.argv[2] ?? '');
if (!process.argv[2]) {
  console.error('usage: npx tsx scripts/applications.mts OUT');
  process.exit(2);
}
await initBackend('wasm');
const model = await loadSingleImageModel(
  join(import.meta.dirname, '..', '..', '..', 'models', 'singan-coffee', 'weights'),
);
const [H, W] = model.imageSize;
const toModel = (x: tf.Tensor3D) =>
  tf.tidy(
    () =>
      tf.clipByValue(
        resize(x.expandDims(0) as tf.Tensor4D, { height: H, width: W, method: 'bicubic' }).squeeze([0]),
        0,
        1,
      ) as tf.Tensor3D,
  );
const coffee = toModel(await readImage(fixturePath('coffee'), { channels: 3 }));
const astronaut = await readImage(fixturePath('astronaut'), { channels: 3 });

/** A [H, W, 1] mask with ones in the box [top, left, height, width]. */
const box = (top: number, left: number, h: number, w: number) =>
  tf.tidy(
    () =>
      tf.pad(tf.ones([h, w, 1]), [
        [top, H - top - h],
        [left, W - left - w],
        [0, 0],
      ]) as tf.Tensor3D,
  );
/** `image` with `patch` pasted at (top, left). */
const paste = (image: tf.Tensor3D, patch: tf.Tensor3D, top: number, left: number) =>
  tf.tidy(() => {
    const [h, w] = patch.shape;
    const where = box(top, left, h, w);
    const moved = tf.pad(patch, [
      [top, H - top - h],
      [left, W - left - w],
      [0, 0],
    ]);
    return tf.add(tf.mul(image, tf.sub(1, where)), tf.mul(moved, where)) as tf.Tensor3D;
  });
/** A row of panels [H, W, 3] (or [H, W, 1], shown grey) with white gaps. */
const row = (panels: tf.Tensor[]) =>
  tf.tidy(() => {
    const rgb = panels.map((p) => (p.shape.at(-1) === 1 ? tf.tile(p, [1, 1, 3]) : p).reshape([H, W, 3]) as tf.Tensor3D);
    return imageGrid(rgb, { columns: rgb.length });
  });
const save = async (name: string, image: tf.Tensor3D) => {
  await writeImage(join(out, name), image);
  image.dispose();
  console.log('wrote', join(out, name));
};

// Harmonisation: the mission patch (a 24 px disc of the astronaut's sleeve, scaled to the model) on the table.
const patch = tf.tidy(() => {
  const crop = tf.slice(astronaut, [128, 44, 0], [36, 40, 3]);
  return tf.clipByValue(
    resize(crop.expandDims(0) as tf.Tensor4D, { height: 18, width: 20, method: 'bicubic' }).squeeze([0]),
    0,
    1,
  ) as tf.Tensor3D;
});
/**
 * Pastes `patch` at (top, left), writes the input and its mask for the CLI (NAME-input.png, NAME-mask.png), and the
 * figure NAME.jpg: the input, its soft mask, then the masked injection at start scales 1 .. 4.
 */
async function maskedFigure(name: 'harmonize' | 'edit', patch: tf.Tensor3D, top: number, left: number) {
  const input = paste(coffee, patch, top, left);
  const mask = box(top, left, patch.shape[0], patch.shape[1]);
  await writeImage(join(out, `${name}-input.png`), input);
  await writeImage(join(out, `${name}-mask.png`), mask);
  const soft = dilateMask(mask, { radius: MASK_DILATION[name] });
  const outputs = [1, 2, 3, 4].map((scale) => model.inject({ image: input, mask: soft, scale, seed: 0 }));
  await save(`${name}.jpg`, row([input, soft, ...outputs]));
  tf.dispose([input, mask, soft, ...outputs]);
}
await maskedFigure('harmonize', patch, 60, 100);

// Editing: the spoon copied onto the table at the left.
const spoon = tf.tidy(() => tf.slice(coffee, [52, 68, 0], [20, 16, 3]) as tf.Tensor3D);
await maskedFigure('edit', spoon, 60, 8);

// Paint-to-image: the photo flattened into 5 grey-brown levels per channel over blocks of 8 px.
const painting = tf.tidy(() => {
  const blocks = resize(coffee.expandDims(0) as tf.Tensor4D, {
    height: Math.round(H / 8),
    width: Math.round(W / 8),
    method: 'bicubic',
  });
  const flat = tf.image.resizeNearestNeighbor(blocks as tf.Tensor4D, [H, W]).squeeze([0]);
  return tf.clipByValue(tf.div(tf.round(tf.mul(flat, 4)), 4), 0, 1) as tf.Tensor3D;
});
await writeImage(join(out, 'painting.png'), painting);
const painted = [1, 2, 3, 4].map((scale) => model.inject({ image: painting, scale, seed: 0 }));
await save('paint.jpg', row([painting, ...painted]));

// Random samples from start scales 0 .. 3 (gen_start_scale): four samples each.
const starts = [0, 1, 2, 3].map((startScale) => model.sample({ n: 4, seed: 1, startScale }));
await save(
  'gen-start-scale.jpg',
  tf.tidy(
    () =>
      tf.concat(
        starts.map((s) => row(tf.unstack(s))),
        0,
      ) as tf.Tensor3D,
  ),
);

// Animation: 16 frames from scale 0, and a strip of its first 6.
const clip = model.animate({ frames: 16, seed: 0 });
await writeAnimation(join(out, 'animate.gif'), clip, { delayMs: 100 });
await save('animate.jpg', row(tf.unstack(tf.slice(clip, [0], [6]))));

tf.dispose([coffee, astronaut, patch, spoon, painting, ...painted, ...starts, clip]);
model.dispose();
