import { join } from 'node:path';
import {
  backendInfo,
  Conv2d,
  ConvTranspose2d,
  DepthwiseConv2d,
  imageGrid,
  initBackend,
  Module,
  type Rng,
  rng,
  tf,
  trainLoop,
  writeFileAtomic,
  writeImage,
} from '@scalespace/core';
import type { DemoSection } from '../report.js';
import { htmlTable } from '../report.js';
import { lineChart } from '../svg-chart.js';

/** A small conv autoencoder using every conv kind core trains on wasm: conv, strided conv, depthwise, transposed. */
class TinyAutoencoder extends Module {
  readonly inConv: Conv2d;
  readonly down: Conv2d;
  readonly mix: DepthwiseConv2d;
  readonly up: ConvTranspose2d;
  readonly outConv: Conv2d;

  constructor(r: Rng) {
    super();
    this.inConv = this.child(
      'inConv',
      new Conv2d({ inChannels: 3, outChannels: 16, kernelSize: 3, rng: r.fork('in') }),
    );
    this.down = this.child(
      'down',
      new Conv2d({ inChannels: 16, outChannels: 32, kernelSize: 3, stride: 2, rng: r.fork('down') }),
    );
    this.mix = this.child('mix', new DepthwiseConv2d({ channels: 32, kernelSize: 3, rng: r.fork('mix') }));
    this.up = this.child(
      'up',
      new ConvTranspose2d({ inChannels: 32, outChannels: 16, kernelSize: 3, stride: 2, rng: r.fork('up') }),
    );
    this.outConv = this.child(
      'outConv',
      new Conv2d({ inChannels: 16, outChannels: 3, kernelSize: 3, rng: r.fork('out') }),
    );
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      let h = tf.relu(this.inConv.forward(x));
      h = tf.relu(this.down.forward(h));
      h = tf.relu(this.mix.forward(h));
      h = tf.relu(this.up.forward(h));
      return tf.sigmoid(this.outConv.forward(h));
    });
  }
}

/** Images of a few soft coloured blobs: structured enough that an autoencoder's loss visibly drops. */
function blobImages(r: Rng, n: number, size: number): tf.Tensor4D {
  const values = new Float32Array(n * size * size * 3);
  for (let i = 0; i < n; i++) {
    for (let b = 0; b < 3; b++) {
      const cy = r.uniform() * size;
      const cx = r.uniform() * size;
      const radius = 1.5 + r.uniform() * size * 0.2;
      const colour = [r.uniform(), r.uniform(), r.uniform()];
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const w = Math.exp(-((y - cy) ** 2 + (x - cx) ** 2) / (2 * radius * radius));
          for (let c = 0; c < 3; c++) {
            const at = ((i * size + y) * size + x) * 3 + c;
            values[at] = Math.min(1, values[at] + w * colour[c]);
          }
        }
      }
    }
  }
  return tf.tensor4d(values, [n, size, size, 3]);
}

export const coreSection: DemoSection = {
  id: 'core',
  title: 'Tensor core: backend and a short training run on it',
  async run(ctx) {
    const backend = await initBackend(undefined, { log: false });
    const r = rng(ctx.seed);
    const model = new TinyAutoencoder(r.fork('model'));
    const optimizer = tf.train.adam(1e-2);
    const steps = 300;
    const losses: Array<[number, number]> = [];
    const data = r.fork('data');
    const started = performance.now();
    await trainLoop({
      total: steps,
      signal: ctx.signal,
      step: () => {
        const batch = blobImages(data, 16, 16);
        const loss = optimizer.minimize(
          () => tf.losses.meanSquaredError(batch, model.forward(batch)) as tf.Scalar,
          true,
          model.trainableParameters(),
        );
        const value = loss ? loss.dataSync()[0] : Number.NaN;
        tf.dispose(loss ? [batch, loss] : batch);
        return value;
      },
      onProgress: (e) => {
        losses.push([e.step, e.loss ?? Number.NaN]);
        if (e.step % 50 === 0) ctx.log(`  step ${e.step}/${e.total} loss ${e.loss?.toFixed(5)}`);
      },
    });
    const msPerStep = (performance.now() - started) / steps;
    const test = blobImages(r.fork('test'), 8, 16);
    const recon = model.forward(test);
    const grid = imageGrid(tf.concat([test, recon]) as tf.Tensor4D, { columns: 8 });
    const upscaled = tf.image.resizeNearestNeighbor(grid, [grid.shape[0] * 4, grid.shape[1] * 4]);
    await writeImage(join(ctx.dir, 'reconstructions.png'), upscaled);
    await writeFileAtomic(
      join(ctx.dir, 'loss.svg'),
      lineChart([{ label: 'MSE', points: losses }], {
        title: 'training loss',
        xLabel: 'step',
        yLabel: 'MSE',
        logY: true,
      }),
    );
    tf.dispose([test, recon, grid, upscaled]);
    optimizer.dispose();
    model.dispose();
    const mean = (pts: Array<[number, number]>) => pts.reduce((s, [, y]) => s + y, 0) / pts.length;
    const firstLoss = mean(losses.slice(0, 10));
    const lastLoss = mean(losses.slice(-10));
    const summary = {
      backend,
      backendLabel: backendInfo()?.label,
      tfjs: tf.version_core,
      steps,
      msPerStep,
      firstLoss,
      lastLoss,
      lossRatio: lastLoss / firstLoss,
    };
    const html = `${htmlTable(
      ['', ''],
      [
        ['backend', summary.backendLabel ?? backend],
        ['steps (batch 16, 16x16 RGB, Adam 1e-2)', steps],
        ['ms per step', msPerStep],
        ['loss, first 10 steps', firstLoss],
        ['loss, last 10 steps', lastLoss],
      ],
    )}
<p><img src="${ctx.href('loss.svg')}" alt="loss curve"></p>
<p>Top: held-out inputs; bottom: reconstructions.<br><img src="${ctx.href('reconstructions.png')}" alt="reconstructions"></p>`;
    return { summary, html };
  },
};
