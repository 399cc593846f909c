import { defineConfig } from 'tsup';
import { packageBuilds } from '../../tooling/package-build';

// The worker entry runs the restoration warm-up in a thread of its own (see parallel-restoration.ts);
// shims give import.meta.url in the CommonJS build, to find the worker beside it. `internal` is the
// plumbing entry (`@scalespace/singan/internal`), with types of its own.
export default defineConfig(
  packageBuilds({
    nodeEntries: ['src/restoration-worker.ts'],
    typedEntries: ['src/internal.ts'],
    browserEntry: 'src/browser.ts',
    shims: true,
  }),
);
