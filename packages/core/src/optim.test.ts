import { beforeAll, describe, expect, it } from 'vitest';
import { Adam, clipByGlobalNorm, Ema, exponentialDecay, linearWarmup } from './optim.js';
import { rng } from './rng.js';
import { tf } from './tf.js';

function quadratic(w: tf.Variable, target: tf.Tensor) {
  return () => tf.sum(tf.square(tf.sub(w, target))) as tf.Scalar;
}

describe('optimisers', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('Adam matches tf.train.adam step for step', () => {
    const before = tf.memory().numTensors;
    const target = rng(1).normalTensor([5]);
    const a = tf.tidy(() => tf.variable(rng(2).normalTensor([5])));
    const b = tf.tidy(() => tf.variable(a.clone()));
    const ours = new Adam([a], { lr: 0.05, beta1: 0.95, beta2: 0.9995 });
    const theirs = tf.train.adam(0.05, 0.95, 0.9995, 1e-8);
    for (let i = 0; i < 20; i++) {
      const { value, grads } = tf.variableGrads(quadratic(a, target), [a]);
      ours.step([grads[a.name]]);
      tf.dispose([value, grads[a.name]]);
      theirs.minimize(quadratic(b, target), false, [b]);
    }
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
    // tfjs keeps beta^t in float32 tensors, we in doubles: they agree to float32 rounding.
    expect(diff).toBeLessThan(1e-4);
    ours.dispose();
    theirs.dispose();
    tf.dispose([a, b, target]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('AdamW decays weights without gradients; schedules set the rate', () => {
    const w = tf.variable(tf.ones([3]));
    const opt = new Adam([w], { lr: linearWarmup(0.1, 10), weightDecay: 0.5 });
    expect(opt.learningRate).toBeCloseTo(0.01);
    opt.step([tf.zeros([3])]);
    expect(w.dataSync()[0]).toBeCloseTo(1 - 0.01 * 0.5, 6);
    expect(exponentialDecay(1, 0.5)(3)).toBe(0.125);
    opt.dispose();
    w.dispose();
  });

  it('a resumed optimiser continues bit for bit', () => {
    const target = rng(3).normalTensor([4]);
    const start = rng(4).normalTensor([4]);
    const run = (steps: number, w: tf.Variable, opt: Adam) => {
      for (let i = 0; i < steps; i++) {
        const { value, grads } = tf.variableGrads(quadratic(w, target), [w]);
        opt.step([grads[w.name]]);
        tf.dispose([value, grads[w.name]]);
      }
    };
    const straight = tf.variable(start.clone());
    const o1 = new Adam([straight], { lr: exponentialDecay(0.1, 0.9) });
    run(10, straight, o1);

    const first = tf.variable(start.clone());
    const o2 = new Adam([first], { lr: exponentialDecay(0.1, 0.9) });
    run(5, first, o2);
    const saved = Object.fromEntries(Object.entries(o2.stateDict()).map(([k, v]) => [k, v.clone()]));
    const resumed = tf.variable(first.clone());
    const o3 = new Adam([resumed], { lr: exponentialDecay(0.1, 0.9) });
    o3.loadStateDict(saved, o2.iterations);
    run(5, resumed, o3);
    expect(Array.from(resumed.dataSync())).toEqual(Array.from(straight.dataSync()));
    tf.dispose([target, start, straight, first, resumed, ...Object.values(saved)]);
    for (const o of [o1, o2, o3]) o.dispose();
  });

  it('clipByGlobalNorm scales to the limit and flags NaN or huge norms for skipping', async () => {
    const g = [tf.tensor1d([3, 0]), null, tf.tensor1d([0, 4])];
    const clipped = await clipByGlobalNorm(g, 1, 100);
    expect(clipped.norm).toBeCloseTo(5);
    expect(clipped.skip).toBe(false);
    const n = Math.hypot(...clipped.grads.flatMap((t) => (t ? Array.from(t.dataSync()) : [])));
    expect(n).toBeCloseTo(1, 6);
    expect((await clipByGlobalNorm(g, 1, 4)).skip).toBe(true);
    const bad = [tf.tensor1d([Number.NaN])];
    expect((await clipByGlobalNorm(bad, 1)).skip).toBe(true);
  });

  it('EMA follows the moving-average formula and swap exchanges weights', () => {
    const w = tf.variable(tf.zeros([2]));
    const ema = new Ema([w], 0.9);
    w.assign(tf.ones([2]));
    for (let i = 0; i < 3; i++) ema.update();
    expect(ema.averages()[0].dataSync()[0]).toBeCloseTo(1 - 0.9 ** 3, 6);
    ema.swap();
    expect(w.dataSync()[0]).toBeCloseTo(1 - 0.9 ** 3, 6);
    ema.swap();
    expect(w.dataSync()[0]).toBe(1);
    ema.dispose();
    w.dispose();
  });
});

describe('EMA warm-up', () => {
  it('follows the weights closely early on, then settles to the configured decay', () => {
    const w = tf.variable(tf.zeros([1]));
    const ema = new Ema([w], 0.999, { warmup: true });
    w.assign(tf.ones([1]));
    ema.update(); // decay min(0.999, 1/10) = 0.1
    expect(ema.averages()[0].dataSync()[0]).toBeCloseTo(0.9, 6);
    expect(ema.updates).toBe(1);
    ema.dispose();
    w.dispose();
  });
});
