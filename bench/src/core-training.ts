// The training half of `pnpm bench core`: one small conv net trained on each rung, the rungs timed in
// interleaved rounds (a few steps of each, then again) so that load from other processes on a shared
// machine falls on every rung alike. Rungs: tfjs backends in this process, PyTorch through
// bench/python/conv_net.py, and native in a child process when OPENBLAS_CORETYPE must differ.
import { Conv2d, ConvTranspose2d, DepthwiseConv2d, initBackend, Module, type Rng, rng, tf } from '@scalespace/core';
import type { NativeKernels } from '@scalespace/native';
import { timeRuns } from './harness.js';
import { runTorchConvNet } from './torch-reference.js';

export const BATCH = 8;
export const SIZE = 32;

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

/**
 * Floating-point operations of one training step: each conv's forward pass, its filter gradient, and its
 * input gradient for every layer but the first (the input is not trained, so no rung computes that one).
 */
export function stepFlops(): number {
  const s = SIZE;
  const h = SIZE / 2;
  const layers = [s * s * 9 * 16 * 32, h * h * 9 * 32 * 64, h * h * 9 * 64, h * h * 9 * 64 * 32, s * s * 9 * 32 * 16];
  const macs = layers.reduce((sum, m, i) => sum + (i === 0 ? 2 : 3) * m, 0);
  return 2 * BATCH * macs;
}

/** A rung that trains the net: `round(steps)` returns the milliseconds of each timed step. */
export interface Runner {
  name: string;
  threads: number;
  round(steps: number): Promise<number[]>;
  dispose(): void;
}

/** The net on a tfjs backend of this process; native's thread count is set before every round. */
export function tfjsRunner(backend: string, threads = 1, kernels?: NativeKernels): Runner {
  let state: { step: () => Promise<void>; dispose: () => void } | null = null;
  return {
    name: backend,
    threads,
    async round(steps) {
      await tf.setBackend(backend);
      if (backend === 'cpu') (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
      kernels?.setThreads(threads);
      let warmup = 0;
      if (!state) {
        const r = rng(1);
        const model = new BenchNet(r.fork('model'));
        const optimizer = tf.train.sgd(1e-3);
        const x = r.normalTensor([BATCH, SIZE, SIZE, 16]) as tf.Tensor4D;
        const target = r.normalTensor([BATCH, SIZE, SIZE, 16]) as tf.Tensor4D;
        const step = async () => {
          const loss = optimizer.minimize(
            () => tf.losses.meanSquaredError(target, model.forward(x)) as tf.Scalar,
            true,
          );
          await loss?.data();
          loss?.dispose();
        };
        const dispose = () => {
          tf.dispose([x, target]);
          optimizer.dispose();
          model.dispose();
        };
        state = { step, dispose };
        warmup = backend === 'wasm' || backend === 'native' ? 2 : 1;
      }
      return timeRuns(state.step, steps, warmup);
    },
    dispose: () => state?.dispose(),
  };
}

/** PyTorch on `threads` threads: one run of the script per round (2 warm-up steps each). */
export function torchRunner(python: string, threads: number, onVersion: (v: string) => void): Runner {
  return {
    name: 'pytorch',
    threads,
    async round(steps) {
      const t = runTorchConvNet(python, { batch: BATCH, size: SIZE, steps, threads });
      onVersion(`${t.torch}${t.mkldnn ? ', oneDNN' : ''}`);
      return t.msPerStep;
    },
    dispose: () => undefined,
  };
}

export const CHILD = 'SCALESPACE_BENCH_NATIVE_ONLY';
export const NATIVE_CHILD_NAME = 'native, own kernels';

/**
 * native in a child process without OPENBLAS_CORETYPE (OpenBLAS reads it once, when it loads), so with
 * OpenBLAS's own kernel choice: one child per round.
 */
export function childRunner(threads: number, onInfo: (core: string, sgemm: number) => void): Runner {
  return {
    name: NATIVE_CHILD_NAME,
    threads,
    async round(steps) {
      const { spawnSync } = await import('node:child_process');
      const env: NodeJS.ProcessEnv = { ...process.env, [CHILD]: `${threads}:${steps}` };
      delete env.OPENBLAS_CORETYPE;
      const r = spawnSync(process.execPath, [...process.execArgv, process.argv[1], 'core'], { env, encoding: 'utf8' });
      const last = r.stdout?.trim().split('\n').pop() ?? '';
      if (r.status !== 0 || !last.startsWith('{')) throw new Error(`native child failed: ${r.stderr?.slice(-300)}`);
      const out = JSON.parse(last) as { times: number[]; core: string; sgemm: number };
      onInfo(out.core, out.sgemm);
      return out.times;
    },
    dispose: () => undefined,
  };
}

/** The child's side of childRunner: trains `steps` steps on native and prints one JSON line. */
export async function runChild(kernels: NativeKernels, spec: string, sgemmMs: (threads: number) => number) {
  const [threads, steps] = spec.split(':').map(Number);
  await initBackend('native', { log: false });
  const runner = tfjsRunner('native', threads, kernels);
  const times = await runner.round(steps);
  runner.dispose();
  const sgemm = (2 * 1024 ** 3) / (sgemmMs(threads) * 1e6);
  console.log(JSON.stringify({ times, core: kernels.info().blasCore, sgemm }));
}

/** Runs every runner for `steps` steps, `rounds` times over, interleaved; all step times per runner. */
export async function interleaved(runners: Runner[], rounds: number, steps: number): Promise<number[][]> {
  const times = runners.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    for (const [i, runner] of runners.entries()) times[i].push(...(await runner.round(steps)));
  }
  for (const runner of runners) runner.dispose();
  return times;
}
