// The vitest settings every scalespace package shares (each package's vitest.config.ts is a line or two).
import { defineConfig, type ViteUserConfig } from 'vitest/config';

type TestOptions = NonNullable<ViteUserConfig['test']>;

/**
 * 4 minutes per test and 2 per hook by default: model tests train and sample for real on the wasm backend, most
 * take seconds alone, and turbo runs several packages' suites at once on CI's two cores, which stretches a 15 s
 * test past a minute. A limit catches a hang, not slowness (speed lives in bench/). `test` adds or overrides
 * settings for one package.
 */
export function packageTests(test: TestOptions = {}): ViteUserConfig {
  return defineConfig({ test: { testTimeout: 240_000, hookTimeout: 120_000, ...test } });
}

export default packageTests();
