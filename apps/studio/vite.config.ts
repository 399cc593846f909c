import { defineConfig } from 'vite';

export default defineConfig({
  // Relative asset URLs: the built folder works from any path of any static host.
  base: './',
  // The models run in a module worker that loads each model's code on first use.
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
});
