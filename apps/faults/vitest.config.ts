import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The suite spawns the CLI many times; it reports its own progress.
    testTimeout: 900_000,
  },
});
