import { createRequire } from 'node:module';
import { backendInfo, initBackend, tf } from '@scalespace/core';
import type { Command } from '../command.js';

/** Every package scalespace publishes; `info` lists the ones installed beside the CLI. */
export const SCALESPACE_PACKAGES = [
  '@scalespace/core',
  '@scalespace/pyramids',
  '@scalespace/data',
  '@scalespace/metrics',
  '@scalespace/autoregressive',
  '@scalespace/hvae',
  '@scalespace/denoisers',
  '@scalespace/singan',
  '@scalespace/native',
] as const;

/** Versions of the installed scalespace packages, by name. */
export function installedPackages(): Record<string, string> {
  const require = createRequire(import.meta.url);
  const out: Record<string, string> = {};
  for (const name of SCALESPACE_PACKAGES) {
    try {
      out[name] = (require(`${name}/package.json`) as { version: string }).version;
    } catch {
      // not installed
    }
  }
  return out;
}

export const infoCommand: Command = {
  name: 'info',
  summary: 'Show the TensorFlow.js backend, versions and installed scalespace packages',
  usage: '[--json]',
  allowPositionals: false,
  async run(ctx) {
    const backend = await initBackend(undefined, { log: false });
    const result = {
      backend,
      backendLabel: backendInfo()?.label ?? backend,
      tfjs: tf.version_core,
      node: process.versions.node,
      packages: installedPackages(),
    };
    if (ctx.json) {
      ctx.printJson(result);
      return 0;
    }
    ctx.log(`backend   ${result.backendLabel}`);
    ctx.log(`tfjs      ${result.tfjs}`);
    ctx.log(`node      ${result.node}`);
    for (const [name, version] of Object.entries(result.packages)) ctx.log(`${name.padEnd(28)} ${version}`);
    return 0;
  },
};
