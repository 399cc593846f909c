// Every workspace package declares the scalespace packages its sources, tests and scripts import: an
// undeclared one resolves here only by luck of the install layout, and turbo does not build it first.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './pack.js';

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

const folders = ['packages', 'models', 'apps', 'tests'].flatMap((parent) =>
  readdirSync(join(ROOT, parent))
    .map((name) => `${parent}/${name}`)
    .filter((dir) => existsSync(join(ROOT, dir, 'package.json'))),
);

function importedScalespacePackages(dir: string): string[] {
  const roots = ['src', 'test', 'scripts'].filter((d) => existsSync(join(ROOT, dir, d)));
  if (roots.length === 0) return [];
  // grep exits 1 when nothing matches: a package that imports no other scalespace package.
  const { stdout } = spawnSync(
    'grep',
    ['-rhoE', "(from |import\\()'@scalespace/[a-z0-9-]+", '--include=*.ts', '--include=*.mts', ...roots],
    { cwd: join(ROOT, dir), encoding: 'utf8' },
  );
  return [...new Set(stdout.match(/@scalespace\/[a-z0-9-]+/g) ?? [])].sort();
}

describe.each(folders)('%s', (dir) => {
  it('declares every @scalespace package it imports', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) as Manifest;
    const declared = new Set(
      Object.keys({
        ...pkg.dependencies,
        ...pkg.devDependencies,
        ...pkg.peerDependencies,
        ...pkg.optionalDependencies,
      }),
    );
    const missing = importedScalespacePackages(dir).filter((name) => name !== pkg.name && !declared.has(name));
    expect(missing).toEqual([]);
  });
});
