// Builds the OpenBLAS addon with node-gyp. Run by `pnpm install` (the package's install script) and by
// `pnpm --filter @scalespace/native build:addon`. Without a compiler, OpenBLAS or node-gyp it prints one
// line saying how to get the addon and exits 0, so installing never fails: @scalespace/native then
// reports `available: false` and scalespace runs on wasm. `--strict` (CI) exits 1 instead. An addon newer
// than its sources is kept (`--force` rebuilds it anyway).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const strict = process.argv.includes('--strict');
const force = process.argv.includes('--force');
const addonPath = join(root, 'build', 'Release', 'scalespace_native.node');
const HINT =
  "apt-get install build-essential libopenblas-dev (or your system's C++ compiler, make and OpenBLAS), " +
  'then npx -y pnpm@9.15.9 --filter @scalespace/native build:addon';

function skip(reason, details = '') {
  if (details && strict) process.stderr.write(`${details}\n`);
  process.stderr.write(`@scalespace/native: addon not built (${reason}); to use the native backend: ${HINT}\n`);
  process.exit(strict ? 1 : 0);
}

function runs(command, args) {
  const r = spawnSync(command, args, { stdio: 'ignore' });
  return r.status === 0;
}

/** Loads the addon: a library missing at run time shows here, not at the first training step. */
function check(what) {
  try {
    const info = require(addonPath).info();
    process.stderr.write(`@scalespace/native: ${what} (OpenBLAS ${info.blasCore})\n`);
    process.exit(0);
  } catch (error) {
    return String(error?.message ?? error).split('\n')[0];
  }
}

function upToDate() {
  if (!existsSync(addonPath)) return false;
  const sources = [
    join(root, 'binding.gyp'),
    join(root, 'scripts', 'openblas.cjs'),
    ...readdirSync(join(root, 'addon')).map((f) => join(root, 'addon', f)),
  ];
  const built = statSync(addonPath).mtimeMs;
  return sources.every((f) => statSync(f).mtimeMs <= built);
}

if (process.env.SCALESPACE_NATIVE_SKIP === '1') skip('SCALESPACE_NATIVE_SKIP=1');
if (!force && upToDate()) check('the addon is up to date');
if (!runs('c++', ['--version']) && !runs('g++', ['--version'])) skip('no C++ compiler (c++) on PATH');
if (!runs('make', ['--version'])) skip('no make on PATH');
if (!runs(process.execPath, [join(root, 'scripts', 'openblas.cjs'), 'check']))
  skip('OpenBLAS headers and library not found');

// node-gyp: our own dev dependency, else the one npm or pnpm runs lifecycle scripts with.
let nodeGyp = null;
try {
  nodeGyp = require.resolve('node-gyp/bin/node-gyp.js');
} catch {
  const fromManager = process.env.npm_config_node_gyp;
  if (fromManager && existsSync(fromManager)) nodeGyp = fromManager;
}
if (!nodeGyp) skip('node-gyp not found; run this through npm or pnpm');

// Node's own headers when they ship beside the binary (Debian's nodejs, official tarballs, nvm), so that
// node-gyp needs no download.
const args = [nodeGyp, 'rebuild', '--jobs=max'];
const prefix = dirname(dirname(process.execPath));
if (existsSync(join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);

const started = Date.now();
const build = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
if (build.status !== 0) {
  const output = `${build.stdout ?? ''}${build.stderr ?? ''}`;
  const firstError = output.split('\n').find((l) => /error|not found|No such file/i.test(l)) ?? 'node-gyp failed';
  skip(`compilation failed: ${firstError.trim().slice(0, 200)}`, output.split('\n').slice(-40).join('\n'));
}

const seconds = ((Date.now() - started) / 1000).toFixed(0);
const error = check(`built the addon in ${seconds} s`);
skip(`the built addon does not load: ${error}`);
