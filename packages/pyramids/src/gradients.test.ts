import { rng, tf } from '@scalespace/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { degrade } from './degrade.js';
import { dwt2, idwt2, wavedec2, waverec2 } from './dwt.js';
import { gaussianPyramid, laplacianPyramid, reconstructLaplacian } from './gaussian-pyramid.js';
import { resize } from './resize.js';

// Every float transform is linear, so with a quadratic loss L(x) = sum(w * f(x)^2) the central
// difference (L(x + e) - L(x - e)) / 2e is exact up to float rounding: tf.grad must match it.

type Transform = (x: tf.Tensor) => tf.Tensor[];

const CASES: Array<[string, number[], Transform]> = [
  ['dwt2 db4 symmetric 9x7', [9, 7, 2], (x) => Object.values(dwt2(x, { wavelet: 'db4', mode: 'symmetric' }))],
  ['dwt2 sym4 periodization 7x10', [7, 10, 1], (x) => Object.values(dwt2(x, { wavelet: 'sym4' }))],
  [
    'idwt2 db2 symmetric',
    [5, 6, 1],
    (x) => [
      idwt2({ lowpass: x, details: tf.stack([x, tf.mul(x, 2), tf.neg(x)], 2) }, { wavelet: 'db2', mode: 'symmetric' }),
    ],
  ],
  [
    "wavedec2 + waverec2 haar 'average'",
    [8, 8, 1],
    (x) => {
      const d = wavedec2(x, { levels: 2, normalization: 'average' });
      return [d.lowpass, ...d.details, tf.mul(waverec2(d), 0.5)];
    },
  ],
  ['resize bicubic x0.6', [10, 9, 2], (x) => [resize(x, { scale: 0.6 })]],
  ['resize lanczos3 x1.5', [5, 4, 1], (x) => [resize(x, { scale: 1.5, method: 'lanczos3' })]],
  ['degrade gaussian s=2', [8, 6, 1], (x) => [degrade(x, { scale: 2, kernel: { gaussian: 1.2 } })]],
  ['Gaussian pyramid 11x9', [11, 9, 1], (x) => gaussianPyramid(x, { levels: 3 })],
  [
    'Laplacian pyramid and reconstruction',
    [9, 12, 1],
    (x) => {
      const p = laplacianPyramid(x, { levels: 3 });
      return [...p.bands, p.residual, reconstructLaplacian(p)];
    },
  ],
];

describe('gradients of the float transforms', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it.each(CASES)('%s: tf.grad equals central finite differences', (_name, shape, f) => {
    const before = tf.memory().numTensors;
    const x = rng(shape[0]).normalTensor(shape);
    const weights = tf.tidy(() => f(x).map((o, k) => rng(100 + k).uniformTensor(o.shape, { min: 0.5, max: 1.5 })));
    const loss = (t: tf.Tensor) =>
      tf.tidy(() =>
        f(t).reduce((s: tf.Tensor, o, k) => tf.add(s, tf.sum(tf.mul(weights[k], tf.square(o)))), tf.scalar(0)),
      );
    const grad = tf.grad(loss)(x);
    const g = grad.dataSync();
    const values = x.dataSync();
    const size = values.length;
    const eps = 0.05;
    const r = rng(7);
    for (let probe = 0; probe < 6; probe++) {
      const i = r.int(size);
      const at = (delta: number) => {
        const v = Float32Array.from(values);
        v[i] += delta;
        const t = tf.tensor(v, shape);
        const l = loss(t);
        const out = l.dataSync()[0];
        tf.dispose([t, l]);
        return out;
      };
      const fd = (at(eps) - at(-eps)) / (2 * eps);
      expect(Math.abs(fd - g[i])).toBeLessThan(2e-3 * Math.max(1, Math.abs(fd)));
    }
    tf.dispose([x, grad, ...weights]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
