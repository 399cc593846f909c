import { existsSync } from 'node:fs';
import { tf } from '@scalespace/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { load, weightsUrl } from './index.js';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

describe('@scalespace/model-vdvae-mnist', () => {
  it.skipIf(!(weightsUrl && existsSync(weightsUrl)))(
    'loads the trained prior and samples digits-like images',
    async () => {
      const before = tf.memory().numTensors;
      const model = await load();
      expect(model.config).toMatchObject({ imageSize: 32, imageChannels: 1 });
      expect(model.groups).toBe(12);
      const x = model.sample({ n: 8, temperature: 0.8, seed: 1 });
      const stats = tf.tidy(() => [
        tf.mean(x).dataSync()[0],
        tf.mean(tf.cast(tf.greater(x, 0.5), 'float32')).dataSync()[0],
      ]);
      // MNIST: mostly black background with a minority of bright strokes.
      expect(stats[0]).toBeGreaterThan(0.03);
      expect(stats[0]).toBeLessThan(0.35);
      expect(stats[1]).toBeLessThan(0.4);
      x.dispose();
      model.dispose();
      expect(tf.memory().numTensors).toBe(before);
    },
  );
});
