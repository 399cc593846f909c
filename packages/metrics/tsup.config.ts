import { defineConfig } from 'tsup';
import { packageBuilds } from '../../tooling/package-build';

// import.meta.url locates files shipped beside dist/; shims make it work in the CJS build too.
export default defineConfig(packageBuilds({ browserEntry: 'src/browser.ts', shims: true }));
