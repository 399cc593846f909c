// Where OpenBLAS lives on this machine: `node scripts/openblas.cjs include|libs|check`. Used by
// binding.gyp (include directories and link flags) and by build-addon.mjs (a readable reason when
// OpenBLAS is missing). pkg-config first, then the usual Debian/Ubuntu, Fedora and Homebrew places.
const { execFileSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const { join } = require('node:path');

function pkgConfig(flag) {
  try {
    return execFileSync('pkg-config', [flag, 'openblas'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .trim()
      .split(/\s+/)
      .filter(Boolean);
  } catch {
    return null;
  }
}

const HEADER_DIRS = [
  '/usr/include/x86_64-linux-gnu/openblas-pthread',
  '/usr/include/aarch64-linux-gnu/openblas-pthread',
  '/usr/include/openblas',
  '/usr/local/include/openblas',
  '/opt/homebrew/opt/openblas/include',
  '/usr/local/opt/openblas/include',
];
const LIB_DIRS = [
  '/usr/lib/x86_64-linux-gnu/openblas-pthread',
  '/usr/lib/aarch64-linux-gnu/openblas-pthread',
  '/usr/lib64',
  '/usr/lib/x86_64-linux-gnu',
  '/usr/lib/aarch64-linux-gnu',
  '/usr/lib',
  '/usr/local/lib',
  '/opt/homebrew/opt/openblas/lib',
  '/usr/local/opt/openblas/lib',
];

function find() {
  const cflags = pkgConfig('--cflags-only-I');
  const libs = pkgConfig('--libs');
  if (cflags && libs) {
    const include = cflags.map((f) => f.replace(/^-I/, ''));
    const libDirs = libs.filter((f) => f.startsWith('-L')).map((f) => f.slice(2));
    if (include.some((d) => existsSync(join(d, 'cblas.h'))) || include.length === 0) {
      return { include, libs: [...libs, ...libDirs.map((d) => `-Wl,-rpath,${d}`)] };
    }
  }
  const include = HEADER_DIRS.find((d) => existsSync(join(d, 'cblas.h')) && existsSync(join(d, 'openblas_config.h')));
  const lib = LIB_DIRS.find((d) => ['libopenblas.so', 'libopenblas.dylib'].some((f) => existsSync(join(d, f))));
  if (!include || !lib) return null;
  return { include: [include], libs: [`-L${lib}`, '-lopenblas', `-Wl,-rpath,${lib}`] };
}

const found = find();
const mode = process.argv[2];
if (mode === 'check') {
  process.stdout.write(found ? `${found.include.join(' ')}\n` : '');
  process.exit(found ? 0 : 1);
}
if (!found) process.exit(0);
process.stdout.write(`${(mode === 'include' ? found.include : found.libs).join(' ')}\n`);
