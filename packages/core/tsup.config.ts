import { copyFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineConfig } from 'tsup';
import { packageBuilds } from '../../tooling/package-build';

// The wasm backend's binaries sit beside dist/browser.js, where src/platform/browser.ts points
// (new URL('./tfjs-backend-wasm-simd.wasm', import.meta.url)) and bundlers find them.
const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

async function copyWasmBinaries(): Promise<void> {
  const wasmDist = join(
    dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')),
    'dist',
  );
  await Promise.all(WASM_FILES.map((file) => copyFile(join(wasmDist, file), join('dist', file))));
}

// tfjs-core's Node entry (a CommonJS bundle) has neither its gradients nor its chained ops; their registrations
// exist only as extension-less ES modules under dist/, which Node cannot import, so the Node build bundles them
// (as the tfjs umbrella package's Node bundle does). Bundlers resolve them for the browser build.
const TFJS_CORE_REGISTRATIONS = /^@tensorflow\/tfjs-core\/dist\//;

export default defineConfig(
  packageBuilds({
    browserEntry: 'src/browser.ts',
    afterBrowserBuild: copyWasmBinaries,
    nodeBundled: [TFJS_CORE_REGISTRATIONS],
  }),
);
