// `pnpm bench core`: the tensor core's rungs side by side in one process, on the same small conv net:
// cpu, wasm (+ core's training kernels), native (wasm + @scalespace/native's OpenBLAS kernels) on 1 and
// 2 threads, and PyTorch on 1 and 2 threads when a Python with torch is installed. Each rung's GFLOP/s is
// set against the sgemm peak measured in the same run (a 1024^3 OpenBLAS sgemm on 1 and 2 threads) and
// the cores' FMA peak. Then the inference scaling table (core-scaling.ts).
import { Conv2d, ConvTranspose2d, DepthwiseConv2d, initBackend, Module, type Rng, rng, tf } from '@scalespace/core';
import { loadNative, type NativeKernels } from '@scalespace/native';
import { inferenceScaling } from './core-scaling.js';
import { median, printTable, timeRuns, writeResults } from './harness.js';
import { findTorchPython, runTorchConvNet } from './torch-reference.js';

const BATCH = 8;
const SIZE = 32;
const STEPS = 20;

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
function stepFlops(): number {
  const s = SIZE;
  const h = SIZE / 2;
  const layers = [s * s * 9 * 16 * 32, h * h * 9 * 32 * 64, h * h * 9 * 64, h * h * 9 * 64 * 32, s * s * 9 * 32 * 16];
  const macs = layers.reduce((sum, m, i) => sum + (i === 0 ? 2 : 3) * m, 0);
  return 2 * BATCH * macs;
}

async function trainingStepTimes(backend: string, steps: number, warmup = 2): Promise<number[]> {
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
  const times = await timeRuns(step, steps, warmup);
  tf.dispose([x, target]);
  optimizer.dispose();
  model.dispose();
  return times;
}

/** Median ms of a 1024^3 sgemm straight through the addon (no tfjs), on the given threads. */
function rawSgemmMs(kernels: NativeKernels, threads: number, n = 1024): number {
  const buffer = new ArrayBuffer(3 * n * n * 4);
  const values = new Float32Array(buffer, 0, 2 * n * n);
  const r = rng(5);
  for (let i = 0; i < values.length; i++) values[i] = r.uniform() - 0.5;
  kernels.setThreads(threads);
  const call = () => kernels.matmul(buffer, 1, 0, 0, n, n, n, 0, 0, n * n * 4, 0, 2 * n * n * 4, -1, 0, 0, -1, 0);
  for (let i = 0; i < 3; i++) call();
  const times: number[] = [];
  for (let i = 0; i < 15; i++) {
    const t0 = performance.now();
    call();
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** Median ms of tf.matMul of two 1024 x 1024 matrices on the current backend, read back. */
async function tfMatMulMs(n = 1024): Promise<number> {
  const r = rng(6);
  const a = r.normalTensor([n, n]) as tf.Tensor2D;
  const b = r.normalTensor([n, n]) as tf.Tensor2D;
  const times = await timeRuns(
    async () => {
      const c = tf.matMul(a, b);
      await c.data();
      c.dispose();
    },
    10,
    2,
  );
  tf.dispose([a, b]);
  return median(times);
}

async function forwardConvMs(): Promise<{ shape: string; ms: number; gflops: number }> {
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

/** Runs fn while another process keeps one core busy (a spinning Node child, killed afterwards). */
async function withBusyCore<T>(fn: () => Promise<T>): Promise<T> {
  const { spawn } = await import('node:child_process');
  const spinner = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
  await new Promise((resolve) => setTimeout(resolve, 200));
  try {
    return await fn();
  } finally {
    spinner.kill();
  }
}

interface Rung {
  name: string;
  threads: number;
  ms: number;
  /** The sgemm GFLOP/s this rung is set against, when not this process's (the child's own OpenBLAS kernels). */
  sgemmPeak?: number;
}

const CHILD = 'SCALESPACE_BENCH_NATIVE_ONLY';

/** In a child process without OPENBLAS_CORETYPE: native training and sgemm with OpenBLAS's own kernel choice. */
async function nativeOnly(kernels: NativeKernels): Promise<void> {
  await initBackend('native', { log: false });
  const rows: Rung[] = [];
  for (const threads of [1, 2]) {
    kernels.setThreads(threads);
    rows.push({
      name: `native, OpenBLAS ${kernels.info().blasCore}`,
      threads,
      ms: median(await trainingStepTimes('native', STEPS)),
    });
  }
  const sgemm = [1, 2].map((t) => (2 * 1024 ** 3) / (rawSgemmMs(kernels, t) * 1e6));
  console.log(JSON.stringify({ rows, sgemm }));
}

/** The native rows again with OpenBLAS's own kernel choice, when OPENBLAS_CORETYPE pins one (it is read at load). */
async function withOwnKernelChoice(): Promise<{ rows: Rung[]; sgemm: number[] } | null> {
  if (!process.env.OPENBLAS_CORETYPE) return null;
  const { spawnSync } = await import('node:child_process');
  const env: NodeJS.ProcessEnv = { ...process.env, [CHILD]: '1' };
  delete env.OPENBLAS_CORETYPE;
  const r = spawnSync(process.execPath, [...process.execArgv, process.argv[1], 'core'], { env, encoding: 'utf8' });
  const last = r.stdout?.trim().split('\n').pop() ?? '';
  return r.status === 0 && last.startsWith('{') ? JSON.parse(last) : null;
}

export async function run(): Promise<void> {
  if (process.env[CHILD]) {
    const status = loadNative();
    if (status.available) await nativeOnly(status.kernels);
    return;
  }
  const { loadavg } = await import('node:os');
  const load = loadavg()[0];
  const status = loadNative();
  const kernels = status.available ? status.kernels : null;
  if (kernels) await initBackend('native', { log: false });
  else console.log(`native rung skipped: ${status.available ? '' : status.reason}`);
  await tf.setBackend('wasm');
  await tf.ready();

  // The peak: FMA chains, and OpenBLAS sgemm through the addon, each on 1 and 2 threads.
  const flopsSgemm = 2 * 1024 ** 3;
  const peak = kernels
    ? {
        fma: [kernels.fmaPeak(1, 0.5), kernels.fmaPeak(2, 0.5)],
        sgemm: [1, 2].map((t) => flopsSgemm / (rawSgemmMs(kernels, t) * 1e6)),
        blas: kernels.info().blas,
      }
    : null;
  const matmul: Array<[string, number]> = [['wasm', flopsSgemm / ((await tfMatMulMs()) * 1e6)]];
  const conv: Array<[string, Awaited<ReturnType<typeof forwardConvMs>>]> = [['wasm', await forwardConvMs()]];

  const flops = stepFlops();
  const rungs: Rung[] = [
    { name: 'cpu', threads: 1, ms: median(await trainingStepTimes('cpu', 2, 1)) },
    { name: 'wasm', threads: 1, ms: median(await trainingStepTimes('wasm', STEPS)) },
  ];
  const busy: Rung[] = [];
  if (kernels) {
    for (const threads of [1, 2]) {
      kernels.setThreads(threads);
      rungs.push({ name: 'native', threads, ms: median(await trainingStepTimes('native', STEPS)) });
      matmul.push([`native ${threads}t`, flopsSgemm / ((await tfMatMulMs()) * 1e6)]);
      conv.push([`native ${threads}t`, await forwardConvMs()]);
    }
    // The same with another CPU-bound process on the machine.
    for (const threads of [1, 2]) {
      kernels.setThreads(threads);
      const ms = median(await withBusyCore(() => trainingStepTimes('native', STEPS)));
      busy.push({ name: 'native, one core busy', threads, ms });
    }
  }
  const ownChoice = kernels ? await withOwnKernelChoice() : null;
  if (ownChoice) rungs.push(...ownChoice.rows.map((r) => ({ ...r, sgemmPeak: ownChoice.sgemm[r.threads - 1] })));
  const python = findTorchPython();
  let torchVersion: string | null = null;
  if (python) {
    for (const threads of [1, 2]) {
      const t = runTorchConvNet(python, { batch: BATCH, size: SIZE, steps: STEPS, threads });
      torchVersion = `${t.torch}${t.mkldnn ? ', oneDNN' : ''}`;
      rungs.push({ name: 'pytorch', threads, ms: median(t.msPerStep) });
    }
    for (const threads of [1, 2]) {
      const t = await withBusyCore(async () =>
        runTorchConvNet(python, { batch: BATCH, size: SIZE, steps: STEPS, threads }),
      );
      busy.push({ name: 'pytorch, one core busy', threads, ms: median(t.msPerStep) });
    }
  } else {
    console.log('PyTorch rung skipped: no python3 (tried /usr/bin/python3, python3) imports torch');
  }

  const wasmMs = rungs.find((r) => r.name === 'wasm')?.ms as number;
  const torchMs = (threads: number) => rungs.find((r) => r.name === 'pytorch' && r.threads === threads)?.ms;
  const rows = rungs.map((r) => {
    const gflops = flops / (r.ms * 1e6);
    const torch = torchMs(r.threads);
    const sgemmPeak = r.sgemmPeak ?? peak?.sgemm[r.threads - 1];
    return [
      r.name === 'pytorch' ? `pytorch ${torchVersion}` : r.name,
      r.threads,
      r.ms,
      gflops.toFixed(1),
      sgemmPeak ? `${((100 * gflops) / sgemmPeak).toFixed(0)}%` : '-',
      (wasmMs / r.ms).toFixed(2),
      torch ? (torch / r.ms).toFixed(2) : '-',
    ];
  });

  console.log(`load average ${load.toFixed(2)} at the start (2 cores)`);
  if (peak) {
    console.log(
      `peak: FMA ${peak.fma[0].toFixed(0)} / ${peak.fma[1].toFixed(0)} GFLOP/s, OpenBLAS sgemm 1024^3 ` +
        `${peak.sgemm[0].toFixed(0)} / ${peak.sgemm[1].toFixed(0)} GFLOP/s on 1 / 2 threads (${peak.blas})`,
    );
  }
  if (ownChoice) {
    console.log(
      `OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE} is set here; without it OpenBLAS picks ` +
        `${ownChoice.rows[0].name.split('OpenBLAS ')[1]}: sgemm ${ownChoice.sgemm[0].toFixed(0)} / ` +
        `${ownChoice.sgemm[1].toFixed(0)} GFLOP/s (the "native, OpenBLAS ..." rows, set against that sgemm)`,
    );
  }
  console.log(
    `\ntraining step, batch ${BATCH} of ${SIZE}x${SIZE}x16, ${(flops / 1e9).toFixed(2)} GFLOP per step (median of ${STEPS}; cpu 2)`,
  );
  printTable(['rung', 'threads', 'ms/step', 'GFLOP/s', 'of sgemm peak', 'x wasm', 'x PyTorch'], rows);
  console.log('(x PyTorch: PyTorch ms/step over the rung ms/step on as many threads; above 1 is faster than PyTorch)');
  if (busy.length > 0) {
    console.log('\ntraining while another process spins on one core:');
    printTable(
      ['rung', 'threads', 'ms/step', 'vs idle machine'],
      busy.map((b) => {
        const rung = b.name.split(',')[0];
        const idle = rungs.find((r) => r.name === rung && r.threads === b.threads)?.ms as number;
        return [b.name, b.threads, b.ms, `${(b.ms / idle).toFixed(2)}x`];
      }),
    );
  }
  console.log('\n1024^3 matMul through tfjs, and a forward 3x3 conv (8x64x64x64 -> 64):');
  printTable(
    ['backend', 'matMul GFLOP/s', 'conv ms', 'conv GFLOP/s'],
    matmul.map(([name, g], i) => [name, g.toFixed(1), conv[i][1].ms, conv[i][1].gflops.toFixed(1)]),
  );
  if (kernels) kernels.setThreads(2);
  const scaling = await inferenceScaling(kernels ? ['native', 'wasm'] : ['wasm']);
  const file = await writeResults('core', {
    loadAverage: load,
    peak,
    training: {
      batch: BATCH,
      size: SIZE,
      gflopPerStep: flops / 1e9,
      rungs: rungs.map((r) => ({ ...r, gflops: flops / (r.ms * 1e6) })),
      busyMachine: busy,
      openblasCoretype: process.env.OPENBLAS_CORETYPE ?? null,
      ownKernelChoice: ownChoice,
      torch: torchVersion,
    },
    matmulGflops: Object.fromEntries(matmul),
    forwardConv: Object.fromEntries(conv),
    inferenceScaling: scaling,
  });
  console.log(`wrote ${file}`);
}
