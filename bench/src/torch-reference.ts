// PyTorch on this machine as a reference rung: runs bench/python/conv_net.py (the same conv net as the
// core bench) with the first Python that imports torch. Never needed by tests; absent, it is skipped.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'python', 'conv_net.py');
// Debian's /usr/bin/python3 holds python3-torch; a pyenv or venv python3 on PATH may not.
const CANDIDATES = ['/usr/bin/python3', 'python3'];

/** A Python that imports torch, or null. */
export function findTorchPython(): string | null {
  for (const python of CANDIDATES) {
    const r = spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore', timeout: 60_000 });
    if (r.status === 0) return python;
  }
  return null;
}

export interface TorchRun {
  torch: string;
  threads: number;
  mkldnn: boolean;
  msPerStep: number[];
}

/** Trains the conv net for `steps` timed steps on `threads` threads. */
export function runTorchConvNet(
  python: string,
  options: { batch: number; size: number; steps: number; threads: number },
): TorchRun {
  const args = [SCRIPT, '--batch', `${options.batch}`, '--size', `${options.size}`, '--steps', `${options.steps}`];
  const r = spawnSync(python, [...args, '--threads', `${options.threads}`], { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`PyTorch reference failed: ${(r.stderr || r.stdout).trim().split('\n').pop()}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as TorchRun;
}
