import { InvalidImageError, rng, tf } from '@scalespace/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { gaussianBlurOperator, randomProjectionOperator } from './basis-operators.js';
import { harmonicFill } from './harmonic-fill.js';
import { blockAverageOperator, type LinearOperator, maskOperator, randomPixelsOperator } from './linear-operators.js';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

const dot = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.sum(tf.mul(a, b)).dataSync()[0]);
const norm = (a: tf.Tensor) => tf.tidy(() => tf.norm(a).dataSync()[0]);
const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

/** One of each built-in operator, on sizes odd and even. */
async function operators(): Promise<LinearOperator[]> {
  const hole = tf.tidy(() =>
    tf.pad(
      tf.zeros([5, 4]),
      [
        [4, 6],
        [3, 5],
      ],
      1,
    ),
  );
  try {
    return [
      blockAverageOperator([12, 16, 1], 4),
      blockAverageOperator([9, 6, 3], 3),
      await maskOperator(hole, 2),
      await randomPixelsOperator([10, 12, 1], 0.3, { seed: 1 }),
      await gaussianBlurOperator([15, 12, 1], 1.5),
      await gaussianBlurOperator([16, 16, 3], 2, { threshold: 1e-2 }),
      randomProjectionOperator([11, 14, 1], 0.25, { seed: 2 }),
      randomProjectionOperator([8, 10, 3], 0.5, { seed: 3 }),
    ];
  } finally {
    hole.dispose();
  }
}

describe('linear operators', () => {
  it('transpose is the adjoint (dot-product test) for every built-in operator', async () => {
    const before = tf.memory().numTensors;
    const r = rng(11);
    for (const op of await operators()) {
      const x = r.normalTensor([2, ...op.imageShape]) as tf.Tensor4D;
      const m = r.normalTensor([2, ...op.measurementShape]) as tf.Tensor4D;
      const ax = op.forward(x);
      const atm = op.transpose(m);
      expect(ax.shape.slice(1), op.name).toEqual(op.measurementShape);
      const lhs = dot(ax, m);
      const rhs = dot(x, atm);
      expect(Math.abs(lhs - rhs) / (norm(ax) * norm(m)), op.name).toBeLessThan(1e-5);
      tf.dispose([x, m, ax, atm]);
      op.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('project is an orthogonal projection onto what is measured, and pseudoInverse reproduces measurements', async () => {
    const before = tf.memory().numTensors;
    const r = rng(12);
    for (const op of await operators()) {
      const x = r.normalTensor([1, ...op.imageShape]) as tf.Tensor4D;
      const y = r.normalTensor([1, ...op.imageShape]) as tf.Tensor4D;
      const px = op.project(x);
      const ppx = op.project(px);
      const scale = norm(x);
      expect(maxDiff(ppx, px) / scale, `${op.name}: idempotent`).toBeLessThan(1e-5);
      const py = op.project(y);
      expect(Math.abs(dot(px, y) - dot(x, py)) / (scale * norm(y)), `${op.name}: symmetric`).toBeLessThan(1e-5);
      // The projection keeps the measurement; A^+ m is measured as m and lies in the measured subspace.
      const ax = op.forward(x);
      const apx = op.forward(px);
      const back = op.pseudoInverse(ax);
      const aback = op.forward(back);
      // A P = A, up to what A keeps of the coefficients a blur counts as lost (gain <= threshold).
      const lost = op.name === 'Gaussian blur (sigma 2)' ? 1e-2 : op.name.startsWith('Gaussian') ? 1e-3 : 0;
      const apxErr = tf.tidy(() => tf.norm(tf.sub(apx, ax)).dataSync()[0]);
      expect(apxErr, `${op.name}: A P = A`).toBeLessThanOrEqual(1e-5 * norm(ax) + lost * scale);
      const abackErr = tf.tidy(() => tf.norm(tf.sub(aback, ax)).dataSync()[0]);
      expect(abackErr, `${op.name}: A A^+ m = m`).toBeLessThanOrEqual(1e-5 * norm(ax) + lost * scale);
      expect(maxDiff(back, px) / scale, `${op.name}: A^+ A = P`).toBeLessThan(1e-4);
      // The rank it reports is the trace of P: P's eigenvalues are 0 and 1.
      const n = op.imageShape.reduce((a, b) => a * b, 1);
      expect(Math.abs(dot(px, px) / dot(x, x) - op.measurements / n), op.name).toBeLessThan(0.35);
      tf.dispose([x, y, px, ppx, py, ax, apx, back, aback]);
      op.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a factor that does not divide the image, and masks that are empty, full or the wrong shape', async () => {
    expect(() => blockAverageOperator([30, 40, 1], 4)).toThrow(
      /factor 4 does not divide the image size 30x40; crop it to 28x40/,
    );
    expect(() => blockAverageOperator([32, 32, 1], 1)).toThrow(/integer >= 2/);
    const before = tf.memory().numTensors;
    const none = tf.zeros([8, 8]);
    const all = tf.ones([8, 8]);
    const rgb = tf.ones([8, 8, 2]);
    await expect(maskOperator(none, 1)).rejects.toThrow(/no pixel is known/);
    await expect(maskOperator(all, 1)).rejects.toThrow(/every pixel is known/);
    await expect(maskOperator(rgb, 3)).rejects.toThrow(InvalidImageError);
    await expect(randomPixelsOperator([8, 8, 1], 1)).rejects.toThrow(/keep must be a fraction/);
    await expect(gaussianBlurOperator([8, 8, 1], 3)).rejects.toThrow(/blur sigma must be in/);
    tf.dispose([none, all, rgb]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the classic baselines: harmonic fill is exact on a linear ramp, Wiener undoes a mild blur', async () => {
    const h = 20;
    const w = 24;
    const ramp = Float32Array.from({ length: h * w }, (_, i) => 0.1 + 0.02 * Math.floor(i / w) + 0.01 * (i % w));
    const known = Float32Array.from({ length: h * w }, (_, i) => {
      const [y, x] = [Math.floor(i / w), i % w];
      return y >= 5 && y < 15 && x >= 6 && x < 18 ? 0 : 1;
    });
    const holed = ramp.map((v, i) => v * known[i]);
    const filled = harmonicFill(holed, known, h, w, 1);
    expect(Math.max(...filled.map((v, i) => Math.abs(v - ramp[i])))).toBeLessThan(1e-4);

    const before = tf.memory().numTensors;
    const op = await gaussianBlurOperator([16, 16, 1], 0.8);
    const image = tf.tidy(() => tf.add(0.5, rng(5).normalTensor([1, 16, 16, 1], { std: 0.1 }))) as tf.Tensor4D;
    const blurred = op.forward(image);
    const restored = await op.classic(blurred);
    expect(maxDiff(restored, image)).toBeLessThan(0.2 * maxDiff(blurred, image));
    tf.dispose([image, blurred, restored]);
    op.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("random pixels' harmonic solver projection is a projection that keeps the measurement and lifts by the fill", async () => {
    const before = tf.memory().numTensors;
    const op = await randomPixelsOperator([14, 11, 2], 0.2, { seed: 4 });
    const orthogonal = await randomPixelsOperator([14, 11, 2], 0.2, { seed: 4, projection: 'orthogonal' });
    expect(orthogonal.solverProjection).toBeUndefined();
    const q = op.solverProjection;
    if (!q) throw new Error('random pixels should carry a harmonic projection');
    const y = rng(6).normalTensor([2, 14, 11, 2]) as tf.Tensor4D;
    const qy = await q.project(y);
    const qqy = await q.project(qy);
    expect(maxDiff(qqy, qy)).toBeLessThan(1e-4); // Q Q = Q
    const [ay, aqy] = [op.forward(y), op.forward(qy)];
    expect(maxDiff(aqy, ay)).toBeLessThan(1e-6); // A Q = A: it passes through every known pixel
    const lifted = await q.lift(ay);
    const fill = await op.classic(ay);
    expect(maxDiff(lifted, qy)).toBeLessThan(1e-6); // lift(A y) = Q y, the harmonic fill
    expect(maxDiff(fill, qy)).toBeLessThan(1e-6);
    // Unknown pixels are the mean of their 4 neighbours (inside the image): the membrane, not dots.
    const v = qy.dataSync();
    const known = tf.tidy(() => op.forward(tf.ones([1, 14, 11, 2])).dataSync());
    let worst = 0;
    for (let r = 1; r < 13; r++) {
      for (let c = 1; c < 10; c++) {
        const at = (rr: number, cc: number) => v[(rr * 11 + cc) * 2];
        if (known[(r * 11 + c) * 2]) continue;
        worst = Math.max(worst, Math.abs(at(r, c) - (at(r - 1, c) + at(r + 1, c) + at(r, c - 1) + at(r, c + 1)) / 4));
      }
    }
    expect(worst).toBeLessThan(1e-3);
    tf.dispose([y, qy, qqy, ay, aqy, lifted, fill]);
    op.dispose();
    orthogonal.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses an unknown mask projection', async () => {
    const known = tf.ones([4, 4]);
    const k = tf.tidy(() => tf.concat([tf.zeros([1, 4]), tf.slice(known, [1, 0], [3, 4])]));
    await expect(maskOperator(k, 1, 'mask', { projection: 'oblique' as never })).rejects.toThrow(/projection must be/);
    tf.dispose([known, k]);
  });
});
