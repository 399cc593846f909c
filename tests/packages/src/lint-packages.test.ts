// Every published package as npm users get it: packed by pnpm, then checked by publint (the manifest
// against the files), by are-the-types-wrong (types resolve under node10, node16 CJS/ESM and bundlers),
// and for what a registry page and an install need (licence, links, no workspace ranges).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkPackage, createPackageFromTarballData } from '@arethetypeswrong/core';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { afterAll, describe, expect, it } from 'vitest';
import { pack, publishedPackages, tarballFiles, tarballManifest } from './pack.js';

const destination = mkdtempSync(join(tmpdir(), 'scalespace-pack-'));
afterAll(() => rmSync(destination, { recursive: true, force: true }));

it('lists every published package as a dev dependency, so turbo builds each before it is packed', () => {
  const own = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    devDependencies: Record<string, string>;
  };
  expect(publishedPackages().filter(({ name }) => !own.devDependencies[name])).toEqual([]);
});

const FIELDS = ['license', 'repository', 'homepage', 'bugs', 'keywords', 'engines', 'description'];

describe.each(publishedPackages())('$name ($dir)', ({ dir }) => {
  let tarball: Promise<string> | undefined;
  const packed = () => (tarball ??= pack(dir, destination));

  it('passes publint, warnings counted as errors', async () => {
    const bytes = readFileSync(await packed());
    const data = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    const { messages, pkg } = await publint({ pack: { tarball: data }, level: 'warning', strict: true });
    expect(messages.map((m) => formatMessage(m, pkg) ?? m.code)).toEqual([]);
  });

  it('has types that resolve everywhere (are-the-types-wrong)', async () => {
    const result = await checkPackage(createPackageFromTarballData(new Uint8Array(readFileSync(await packed()))));
    const problems = 'problems' in result ? result.problems : [];
    expect(problems.map((p) => `${p.kind}${'entrypoint' in p ? ` at ${p.entrypoint}` : ''}`)).toEqual([]);
  });

  it('ships its licence and README, names its repository, and holds no workspace ranges', async () => {
    const files = tarballFiles(await packed());
    expect(files).toContain('LICENSE');
    expect(files).toContain('README.md');
    const manifest = tarballManifest(await packed());
    expect(FIELDS.filter((f) => manifest[f] === undefined)).toEqual([]);
    expect(JSON.stringify(manifest)).not.toContain('workspace:');
  });
});
