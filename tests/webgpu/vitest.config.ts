import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 180_000,
    hookTimeout: 60_000,
    // One file at a time: software WebGPU is CPU-bound, and each file runs both backends.
    fileParallelism: false,
  },
});
