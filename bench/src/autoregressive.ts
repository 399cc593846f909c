// Sequential network evaluations and wall time per sample of PixelPyramids against PixelCNN++ (the
// same architectures the CLI trains, random weights: timing does not depend on training) at 32, 64 and
// 128 pixels. PixelCNN++ needs one network evaluation per pixel; above 32 px its time is the median
// time of one evaluation times H * W (marked "est.").
import { createModel, recipeConfig } from '@scalespace/autoregressive';
import { tf } from '@scalespace/core';
import { median, printTable, timeRuns, writeResults } from './harness.js';

const config = (kind: 'pixelcnn' | 'pixelpyramids', size: number) => recipeConfig(kind, { size, channels: 1, bits: 8 });

export async function run(): Promise<void> {
  await tf.setBackend('wasm');
  const rows: Array<Array<string | number>> = [];
  const results = [];
  for (const size of [32, 64, 128]) {
    const pp = createModel(config('pixelpyramids', size), 1);
    const ppTimes = await timeRuns(
      async () => {
        const s = await pp.sample({ n: 1, seed: 1 });
        s.images.dispose();
      },
      3,
      1,
    );
    const ppSample = await pp.sample({ n: 1, seed: 1 });
    ppSample.images.dispose();
    pp.module.dispose();

    const cnn = createModel(config('pixelcnn', size), 1);
    const x = tf.zeros([1, size, size, 1], 'int32');
    const evalTimes = await timeRuns(
      () => tf.tidy(() => (cnn.module as unknown as { params(t: tf.Tensor): tf.Tensor }).params(x).dataSync()),
      5,
      1,
    );
    let cnnSeconds: number;
    let measured = false;
    if (size === 32) {
      const s = await cnn.sample({ n: 1, seed: 1 });
      cnnSeconds = s.seconds;
      s.images.dispose();
      measured = true;
    } else {
      cnnSeconds = (median(evalTimes) * size * size) / 1000;
    }
    x.dispose();
    cnn.module.dispose();
    const ppSeconds = median(ppTimes) / 1000;
    const entry = {
      size,
      pixelPyramids: { steps: ppSample.networkEvaluations, seconds: ppSeconds },
      pixelCnn: { steps: size * size, seconds: cnnSeconds, measured },
      stepRatio: (size * size) / ppSample.networkEvaluations,
      timeRatio: cnnSeconds / ppSeconds,
    };
    results.push(entry);
    rows.push([
      `${size}x${size}`,
      entry.pixelPyramids.steps,
      ppSeconds.toFixed(2),
      entry.pixelCnn.steps,
      `${cnnSeconds.toFixed(1)}${measured ? '' : ' (est.)'}`,
      entry.stepRatio.toFixed(1),
      entry.timeRatio.toFixed(1),
    ]);
  }
  console.log('one grey 8-bit sample, random weights, wasm, median of 3 (PixelPyramids)');
  printTable(['size', 'PP steps', 'PP s', 'PixelCNN++ steps', 'PixelCNN++ s', 'fewer steps', 'speed-up'], rows);
  console.log(`wrote ${await writeResults('autoregressive', results)}`);
}
