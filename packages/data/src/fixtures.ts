import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, readImage, type tf } from '@scalespace/core';

/** The CC0 / public-domain photos and textures that ship with this package (see assets/photos/README.md). */
export const FIXTURES = ['astronaut', 'coffee', 'chelsea', 'camera', 'brick', 'grass', 'gravel'] as const;
export type FixtureName = (typeof FIXTURES)[number];

/** Absolute path of a fixture image (PNG, longer side 192 px; camera and the textures are grey). */
export function fixturePath(name: FixtureName): string {
  if (!FIXTURES.includes(name))
    throw new InvalidArgumentError(`unknown fixture "${name}"; available: ${FIXTURES.join(', ')}`);
  return fileURLToPath(new URL(`../assets/photos/${name}.png`, import.meta.url));
}

/** The directory holding all fixture images (usable as `folder:` data). */
export function fixtureDir(): string {
  return fileURLToPath(new URL('../assets/photos/', import.meta.url));
}

/** Loads a fixture as float32 [H, W, C] in [0, 1]. */
export function loadFixture(name: FixtureName, options: { channels?: 1 | 3 } = {}): Promise<tf.Tensor3D> {
  return readImage(fixturePath(name), options);
}

/**
 * Several fixtures as float32 [H, W, C] tensors in [0, 1] (default: all seven, in `FIXTURES` order;
 * `channels: 1` gives grey, `channels: 3` colour, default each file's own). The caller disposes them.
 */
export async function fixtureImages(
  options: { names?: readonly FixtureName[]; channels?: 1 | 3 } = {},
): Promise<tf.Tensor3D[]> {
  const names = options.names ?? FIXTURES;
  if (names.length === 0) throw new InvalidArgumentError('fixtureImages: names is empty; omit it for all fixtures');
  const paths = names.map((n) => fixturePath(n));
  return Promise.all(paths.map((p) => readImage(p, { channels: options.channels })));
}
