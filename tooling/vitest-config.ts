// The vitest settings every scalespace package shares (each package's vitest.config.ts is a line or two).
import { defineConfig, type ViteUserConfig } from 'vitest/config';

type TestOptions = NonNullable<ViteUserConfig['test']>;

/**
 * 60 s per test by default: model tests train and sample for real on the wasm backend, and turbo runs several
 * packages' suites at once on CI's two cores. `test` adds or overrides settings for one package.
 */
export function packageTests(test: TestOptions = {}): ViteUserConfig {
  return defineConfig({ test: { testTimeout: 60_000, ...test } });
}

export default packageTests();
