// Training speed of the wasm backend (with core's training kernels) against the cpu backend, on the
// same small conv net, in one process; plus the raw forward speed of a 3x3 conv on wasm.
import {
  backendInfo,
  Conv2d,
  ConvTranspose2d,
  DepthwiseConv2d,
  initBackend,
  Module,
  type Rng,
  rng,
  tf,
} from '@scalespace/core';
import { median, printTable, timeRuns, writeResults } from './harness.js';

const BATCH = 8;
const SIZE = 32;

/** conv 3x3 -> strided conv -> depthwise conv -> transposed conv -> conv 3x3: every conv kind core trains. */
class BenchNet extends Module {
  readonly layers: Array<Conv2d | DepthwiseConv2d | ConvTranspose2d>;
  constructor(r: Rng) {
    super();
    this.layers = this.childList('layers', [
      new Conv2d({ inChannels: 16, outChannels: 32, kernelSize: 3, rng: r.fork(0) }),
      new Conv2d({ inChannels: 32, outChannels: 64, kernelSize: 3, stride: 2, rng: r.fork(1) }),
      new DepthwiseConv2d({ channels: 64, kernelSize: 3, rng: r.fork(2) }),
      new ConvTranspose2d({ inChannels: 64, outChannels: 32, kernelSize: 3, stride: 2, rng: r.fork(3) }),
      new Conv2d({ inChannels: 32, outChannels: 16, kernelSize: 3, rng: r.fork(4) }),
    ]);
  }
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() =>
      this.layers.reduce((h, layer, i) => {
        const y = layer.forward(h);
        return i < this.layers.length - 1 ? tf.relu(y) : y;
      }, x),
    );
  }
}

/** Multiply-adds x 2 of one forward pass of BenchNet. */
function forwardFlops(): number {
  const s = SIZE;
  const h = SIZE / 2;
  return (
    2 * BATCH * (s * s * 9 * 16 * 32 + h * h * 9 * 32 * 64 + h * h * 9 * 64 + h * h * 9 * 64 * 32 + s * s * 9 * 32 * 16)
  );
}

async function trainingStepTimes(backend: string, steps: number): Promise<number[]> {
  await tf.setBackend(backend);
  if (backend === 'cpu') (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
  const r = rng(1);
  const model = new BenchNet(r.fork('model'));
  const optimizer = tf.train.sgd(1e-3);
  const x = r.normalTensor([BATCH, SIZE, SIZE, 16]) as tf.Tensor4D;
  const target = r.normalTensor([BATCH, SIZE, SIZE, 16]) as tf.Tensor4D;
  const step = async () => {
    const loss = optimizer.minimize(() => tf.losses.meanSquaredError(target, model.forward(x)) as tf.Scalar, true);
    await loss?.data();
    loss?.dispose();
  };
  const times = await timeRuns(step, steps, 1);
  tf.dispose([x, target]);
  optimizer.dispose();
  model.dispose();
  return times;
}

async function forwardConvGflops(): Promise<{ shape: string; ms: number; gflops: number }> {
  await tf.setBackend('wasm');
  const r = rng(2);
  const [n, s, c] = [8, 64, 64];
  const x = r.normalTensor([n, s, s, c]) as tf.Tensor4D;
  const f = r.normalTensor([3, 3, c, c]) as tf.Tensor4D;
  const times = await timeRuns(
    async () => {
      const y = tf.conv2d(x, f, 1, 'same');
      await y.data();
      y.dispose();
    },
    15,
    2,
  );
  tf.dispose([x, f]);
  const ms = median(times);
  return { shape: `${n}x${s}x${s}x${c} -> ${c}, 3x3`, ms, gflops: (2 * n * s * s * 9 * c * c) / (ms * 1e6) };
}

/**
 * The same training step on webgpu, when an adapter exists (a software one too: it is forced here, and
 * its label says so); null otherwise. A software adapter (SwiftShader: about a minute a step) gets one
 * timed step.
 */
async function webgpuRow(
  cpu: number,
  flops: number,
): Promise<{ row: Array<string | number>; ms: number; adapter: unknown } | null> {
  try {
    await initBackend('webgpu', { log: false });
  } catch {
    console.log('(no webgpu row: no WebGPU adapter; in Node install the `webgpu` package and a Vulkan driver)');
    return null;
  }
  const label = backendInfo()?.label ?? 'webgpu';
  const adapter = backendInfo()?.adapter;
  const ms = median(await trainingStepTimes('webgpu', adapter?.fallback ? 1 : 10));
  await tf.setBackend('wasm');
  return { row: [label, ms, (flops / (ms * 1e6)).toFixed(2), (cpu / ms).toFixed(1)], ms, adapter };
}

export async function run(): Promise<void> {
  await tf.setBackend('wasm');
  await tf.ready();
  const flops = 3 * forwardFlops(); // forward + input gradient + filter gradient
  const wasm = median(await trainingStepTimes('wasm', 20));
  const cpu = median(await trainingStepTimes('cpu', 3));
  const conv = await forwardConvGflops();
  const webgpu = await webgpuRow(cpu, flops);
  const rows = [
    ['wasm + core kernels', wasm, (flops / (wasm * 1e6)).toFixed(2), (cpu / wasm).toFixed(1)],
    ...(webgpu ? [webgpu.row] : []),
    ['cpu (baseline)', cpu, (flops / (cpu * 1e6)).toFixed(3), '1.0'],
  ];
  console.log(
    `training step, batch ${BATCH} of ${SIZE}x${SIZE}x16, ${(flops / 1e9).toFixed(2)} GFLOP per step (median)`,
  );
  printTable(['backend', 'ms/step', 'GFLOP/s', 'speed-up'], rows);
  console.log(
    `\nforward conv on wasm, ${conv.shape}: ${conv.ms.toFixed(1)} ms, ${conv.gflops.toFixed(1)} GFLOP/s (median of 15)`,
  );
  const file = await writeResults('core', {
    training: {
      batch: BATCH,
      size: SIZE,
      gflopPerStep: flops / 1e9,
      wasmMsPerStep: wasm,
      cpuMsPerStep: cpu,
      speedup: cpu / wasm,
      ...(webgpu && { webgpuMsPerStep: webgpu.ms, webgpuAdapter: webgpu.adapter }),
    },
    forwardConv: conv,
  });
  console.log(`wrote ${file}`);
}
