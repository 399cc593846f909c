import { defineConfig } from 'tsup';
import { packageBuilds } from '../../tooling/package-build';

// The library entry for ESM and CommonJS, and the `scalespace` binary (dist/bin.js).
export default defineConfig(packageBuilds({ nodeEntries: ['src/bin.ts'], shims: true }));
