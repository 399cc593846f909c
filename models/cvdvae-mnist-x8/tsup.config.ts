import { defineConfig } from 'tsup';
import { packageBuilds } from '../../tooling/package-build';

// shims: import.meta.url finds the shipped weights from the CommonJS build too.
export default defineConfig(packageBuilds({ shims: true }));
