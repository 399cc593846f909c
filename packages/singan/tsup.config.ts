import { defineConfig } from 'tsup';

export default defineConfig({
  // The worker entry runs the restoration warm-up in a thread of its own (see parallel-restoration.ts).
  entry: ['src/index.ts', 'src/restoration-worker.ts'],
  format: ['esm', 'cjs'],
  dts: { entry: 'src/index.ts' },
  sourcemap: true,
  clean: true,
  // import.meta.url in the CommonJS build, to find the worker beside it.
  shims: true,
  target: 'node20',
});
