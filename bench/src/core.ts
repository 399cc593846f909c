// `pnpm bench core`: the tensor core's rungs side by side in one process, on the same small conv net:
// cpu, wasm (+ core's training kernels), native (wasm + @scalespace/native's OpenBLAS kernels) on 1 and
// 2 threads, webgpu when an adapter exists, and PyTorch on 1 and 2 threads when a Python with torch is
// installed. Each rung's GFLOP/s is
// set against the sgemm peak measured in the same run (a 1024^3 OpenBLAS sgemm on 1 and 2 threads) and
// the cores' FMA peak. The inference scaling table is `pnpm bench scaling` (scaling.ts).
import { backendInfo, initBackend, rng, tf } from '@scalespace/core';
import { loadNative, type NativeKernels } from '@scalespace/native';
import {
  BATCH,
  CHILD,
  childRunner,
  interleaved,
  NATIVE_CHILD_NAME,
  type Runner,
  runChild,
  SIZE,
  stepFlops,
  tfjsRunner,
  torchRunner,
} from './core-training.js';
import { median, printTable, timeRuns, writeResults } from './harness.js';
import { findTorchPython } from './torch-reference.js';

const ROUNDS = 4;
const STEPS_PER_ROUND = 5;

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

/**
 * The net on webgpu when an adapter exists (a software one too: it is forced here, and its label says
 * so); null otherwise. A software adapter (SwiftShader: about a minute a step) gets one timed step.
 */
async function webgpuRung(): Promise<(Rung & { adapter: unknown }) | null> {
  try {
    await initBackend('webgpu', { log: false });
  } catch {
    console.log('(no webgpu row: no WebGPU adapter; in Node install the `webgpu` package and a Vulkan driver)');
    return null;
  }
  const info = backendInfo();
  const runner = tfjsRunner('webgpu');
  const ms = median(await runner.round(info?.adapter?.fallback ? 1 : 10));
  runner.dispose();
  await tf.setBackend('wasm');
  return { name: info?.label ?? 'webgpu', threads: 1, ms, adapter: info?.adapter ?? null };
}

interface Rung {
  name: string;
  threads: number;
  ms: number;
  /** The sgemm GFLOP/s this rung is set against, when not this process's (the child's own OpenBLAS kernels). */
  sgemmPeak?: number;
  /** A GPU rung: not set against the CPU's sgemm peak. */
  gpu?: boolean;
}

export async function run(): Promise<void> {
  const status = loadNative();
  const kernels = status.available ? status.kernels : null;
  const childSpec = process.env[CHILD];
  if (childSpec) {
    if (kernels) await runChild(kernels, childSpec, (t) => rawSgemmMs(kernels, t));
    return;
  }
  const { loadavg } = await import('node:os');
  const load = loadavg()[0];
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
  if (kernels) {
    await tf.setBackend('native');
    for (const threads of [1, 2]) {
      kernels.setThreads(threads);
      matmul.push([`native ${threads}t`, flopsSgemm / ((await tfMatMulMs()) * 1e6)]);
      conv.push([`native ${threads}t`, await forwardConvMs()]);
    }
  }

  // Training: cpu alone (slow), then every other rung in interleaved rounds.
  const flops = stepFlops();
  const cpu = tfjsRunner('cpu');
  const rungs: Rung[] = [{ name: 'cpu', threads: 1, ms: median(await cpu.round(2)) }];
  cpu.dispose();
  const webgpu = await webgpuRung();
  if (webgpu) rungs.push({ name: webgpu.name, threads: webgpu.threads, ms: webgpu.ms, gpu: true });
  const python = findTorchPython();
  if (!python) console.log('PyTorch rung skipped: no python3 (tried /usr/bin/python3, python3) imports torch');
  let torchVersion = '';
  let ownCore = '';
  const ownSgemm: number[] = [];
  const runners = (withChild: boolean): Runner[] => [
    ...(kernels ? [1, 2].map((t) => tfjsRunner('native', t, kernels)) : []),
    ...(kernels && withChild && process.env.OPENBLAS_CORETYPE
      ? [1, 2].map((t) =>
          childRunner(t, (core, sgemm) => {
            ownCore = core;
            ownSgemm[t - 1] = sgemm;
          }),
        )
      : []),
    ...(python ? [1, 2].map((t) => torchRunner(python, t, (v) => (torchVersion = v))) : []),
  ];
  const idle = [tfjsRunner('wasm'), ...runners(true)];
  const idleTimes = await interleaved(idle, ROUNDS, STEPS_PER_ROUND);
  for (const [i, r] of idle.entries()) {
    const child = r.name === NATIVE_CHILD_NAME;
    rungs.push({
      name: child ? `native, OpenBLAS ${ownCore}` : r.name,
      threads: r.threads,
      ms: median(idleTimes[i]),
      ...(child && { sgemmPeak: ownSgemm[r.threads - 1] }),
    });
  }
  // The same rungs while another CPU-bound process spins on one core.
  const loaded = runners(false);
  const busyTimes = await withBusyCore(() => interleaved(loaded, ROUNDS / 2, STEPS_PER_ROUND));
  const busy: Rung[] = loaded.map((r, i) => ({ name: r.name, threads: r.threads, ms: median(busyTimes[i]) }));

  const wasmMs = rungs.find((r) => r.name === 'wasm')?.ms as number;
  const torchMs = (threads: number) => rungs.find((r) => r.name === 'pytorch' && r.threads === threads)?.ms;
  const rows = rungs.map((r) => {
    const gflops = flops / (r.ms * 1e6);
    const torch = torchMs(r.threads);
    const sgemmPeak = r.gpu ? undefined : (r.sgemmPeak ?? peak?.sgemm[r.threads - 1]);
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

  const loadEnd = loadavg()[0];
  console.log(
    `load average ${load.toFixed(2)} at the start, ${loadEnd.toFixed(2)} at the end of the timings (2 cores)`,
  );
  if (peak) {
    console.log(
      `peak: FMA ${peak.fma[0].toFixed(0)} / ${peak.fma[1].toFixed(0)} GFLOP/s, OpenBLAS sgemm 1024^3 ` +
        `${peak.sgemm[0].toFixed(0)} / ${peak.sgemm[1].toFixed(0)} GFLOP/s on 1 / 2 threads (${peak.blas})`,
    );
  }
  if (ownCore) {
    console.log(
      `OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE} is set here; without it OpenBLAS picks ${ownCore}: sgemm ` +
        `${ownSgemm.map((g) => g.toFixed(0)).join(' / ')} GFLOP/s (the "native, OpenBLAS ${ownCore}" rows, set against that sgemm)`,
    );
  }
  console.log(
    `\ntraining step, batch ${BATCH} of ${SIZE}x${SIZE}x16, ${(flops / 1e9).toFixed(2)} GFLOP per step ` +
      `(median of ${ROUNDS} interleaved rounds of ${STEPS_PER_ROUND} steps; cpu: 2 steps; webgpu: 10, 1 on a software adapter)`,
  );
  printTable(['rung', 'threads', 'ms/step', 'GFLOP/s', 'of sgemm peak', 'x wasm', 'x PyTorch'], rows);
  console.log('(x PyTorch: PyTorch ms/step over the rung ms/step on as many threads; above 1 is faster than PyTorch)');
  if (busy.length > 0) {
    console.log('\ntraining while another process spins on one core:');
    printTable(
      ['rung', 'threads', 'ms/step', 'vs idle'],
      busy.map((b) => {
        const idleMs = rungs.find((r) => r.name === b.name && r.threads === b.threads)?.ms as number;
        return [b.name, b.threads, b.ms, `${(b.ms / idleMs).toFixed(2)}x`];
      }),
    );
  }
  console.log('\n1024^3 matMul through tfjs, and a forward 3x3 conv (8x64x64x64 -> 64):');
  printTable(
    ['backend', 'matMul GFLOP/s', 'conv ms', 'conv GFLOP/s'],
    matmul.map(([name, g], i) => [name, g.toFixed(1), conv[i][1].ms, conv[i][1].gflops.toFixed(1)]),
  );
  const file = await writeResults('core', {
    loadAverage: { start: load, endOfTimings: loadEnd },
    peak,
    training: {
      batch: BATCH,
      size: SIZE,
      gflopPerStep: flops / 1e9,
      rungs: rungs.map((r) => ({ ...r, gflops: flops / (r.ms * 1e6) })),
      busyMachine: busy,
      torch: torchVersion || null,
      openblasCoretype: process.env.OPENBLAS_CORETYPE ?? null,
      ownKernelChoice: ownCore ? { core: ownCore, sgemm: ownSgemm } : null,
      webgpuAdapter: webgpu?.adapter ?? null,
    },
    matmulGflops: Object.fromEntries(matmul),
    forwardConv: Object.fromEntries(conv),
  });
  console.log(`wrote ${file}`);
}
