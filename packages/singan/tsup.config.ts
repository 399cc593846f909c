import { defineConfig } from 'tsup';
import { packageBuilds } from '../../tooling/package-build';

// The worker entry runs the restoration warm-up in a thread of its own (see parallel-restoration.ts);
// shims give import.meta.url in the CommonJS build, to find the worker beside it.
export default defineConfig(
  packageBuilds({ nodeEntries: ['src/restoration-worker.ts'], browserEntry: 'src/browser.ts', shims: true }),
);
