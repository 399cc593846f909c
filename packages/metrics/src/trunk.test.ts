import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rng, tf } from '@scalespace/core';
// The reference only: tfjs-layers runs nsfwjs's Keras model (scalespace itself does not use tfjs-layers).
import { model as layersModel, loadLayersModel, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeatureTrunk, loadTrunk } from './trunk.js';
import { nsfwjsModelDir } from './trunk-convert.js';

// The converted trunk (batch norms folded into the convolutions, our own graph executor) must compute
// what tfjs-layers computes from nsfwjs's original Keras model.

async function kerasModel(trunk: 'inception-v3' | 'mobilenet-v2') {
  const { dir } = nsfwjsModelDir(trunk);
  const load = createRequire(join(dir, 'model.min.js'));
  const model = load(join(dir, 'model.min.js'));
  const manifest = model.weightsManifest[0];
  const buffers = manifest.paths.map((p: string) => Buffer.from(load(join(dir, `${p}.min.js`)), 'base64'));
  const all = Buffer.concat(buffers);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  return loadLayersModel(
    tf.io.fromMemory({ modelTopology: model.modelTopology, weightSpecs: manifest.weights, weightData }),
  );
}

describe('feature trunks from nsfwjs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'trunk-'));
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['inception-v3', 'flatten_1', 299],
    ['mobilenet-v2', 'flatten_1', 224],
  ] as const)(
    '%s: pooled features equal the Keras model (tfjs-layers) to 1e-4, from a fresh cache and a cached load',
    async (trunkName, flatten, size) => {
      const keras = await kerasModel(trunkName);
      const x = rng(5).uniformTensor([2, size, size, 3]) as tf.Tensor4D;
      const pooledLayer = keras.getLayer(flatten);
      const sub = layersModel({ inputs: keras.inputs, outputs: pooledLayer.output as SymbolicTensor });
      const expected = (sub.predict(x) as tf.Tensor).arraySync() as number[][];
      const fresh = await loadTrunk({ trunk: trunkName, cacheDir: dir });
      const before = tf.memory().numTensors;
      const [features] = fresh.run(x, [fresh.layers.pooled]);
      const pooled = tf.mean(features, [1, 2]);
      const got = pooled.arraySync() as number[][];
      tf.dispose([features, pooled]);
      const scale = Math.max(...expected.flat().map(Math.abs));
      const diff = Math.max(...got.flat().map((v, i) => Math.abs(v - expected.flat()[i])));
      expect(diff / scale).toBeLessThan(1e-4);
      expect(tf.memory().numTensors).toBe(before);
      // A second load through a new key reads the cache file and gives the same numbers.
      const cached = await loadTrunk({ trunk: trunkName, cacheDir: `${dir}/` });
      const [again] = cached.run(x, [cached.layers.pooled]);
      const pooled2 = tf.mean(again, [1, 2]);
      expect(Math.max(...(pooled2.arraySync() as number[][]).flat().map((v, i) => Math.abs(v - got.flat()[i])))).toBe(
        0,
      );
      tf.dispose([again, pooled2, x]);
      keras.dispose();
      expect(cached).toBeInstanceOf(FeatureTrunk);
    },
    300_000,
  );
});
