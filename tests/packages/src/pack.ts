// Packs workspace packages as they are published: `pnpm pack` (the pinned pnpm in the root's
// devDependencies) turns `workspace:` ranges into versions, which plain `npm pack` would leave in.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** A child process that does not block the test worker (vitest's RPC times out on a long synchronous call). */
export const run = promisify(execFile);

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PNPM = join(ROOT, 'node_modules/.bin/pnpm');

export interface Published {
  name: string;
  /** Folder relative to the repository root, e.g. `packages/core`. */
  dir: string;
}

/** Every package of the workspace that is published to npm (the ones not marked private). */
export function publishedPackages(): Published[] {
  const found: Published[] = [];
  for (const parent of ['packages', 'models', 'apps']) {
    for (const name of readdirSync(join(ROOT, parent)).sort()) {
      const manifest = join(ROOT, parent, name, 'package.json');
      if (!existsSync(manifest)) continue;
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name: string; private?: boolean };
      if (!pkg.private) found.push({ name: pkg.name, dir: `${parent}/${name}` });
    }
  }
  return found;
}

/** Packs one package into `destination` and returns the tarball's path. */
export async function pack(dir: string, destination: string): Promise<string> {
  const { stdout: out } = await run(PNPM, ['pack', '--pack-destination', destination], {
    cwd: join(ROOT, dir),
    encoding: 'utf8',
  });
  const tarball = out.trim().split('\n').pop() ?? '';
  if (!tarball.endsWith('.tgz')) throw new Error(`pnpm pack in ${dir} printed no tarball: ${out}`);
  return tarball.startsWith('/') ? tarball : join(destination, tarball);
}

/** The file names inside a tarball (without npm's `package/` prefix). */
export function tarballFiles(tarball: string): string[] {
  return execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 })
    .split('\n')
    .filter(Boolean)
    .map((f) => f.replace(/^package\//, ''));
}

/** The package.json inside a tarball. */
export function tarballManifest(tarball: string): Record<string, unknown> {
  return JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }));
}
