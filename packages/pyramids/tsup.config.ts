import { defineConfig } from 'tsup';
import { packageBuilds } from '../../tooling/package-build';

export default defineConfig(packageBuilds());
