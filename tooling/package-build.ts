// The tsup builds every scalespace package shares (each package's tsup.config.ts calls packageBuilds).
// Node gets ESM + CJS with types from src/index.ts. A package with Node-only code also gets a browser
// build (ESM, `browser` export condition, with its own types) from src/browser.ts, its portable API;
// core's picks its platform-specific steps through package.json's "#platform" import.
import type { Options } from 'tsup';

export interface PackageBuildOptions {
  /** Extra Node entries (e.g. a worker thread's script). */
  nodeEntries?: string[];
  /** Extra entries with types of their own: subpath exports such as an `internal` entry. */
  typedEntries?: string[];
  /** The browser build's entry; none for packages that run everywhere as built for Node. */
  browserEntry?: 'src/browser.ts';
  /** import.meta.url in the CJS build (to find files shipped beside dist/). */
  shims?: boolean;
  /**
   * Dependencies' modules bundled into the Node build instead of imported at run time (core: tfjs-core's
   * gradient and chained-op registrations, ES modules without file extensions that Node cannot import).
   */
  nodeBundled?: RegExp[];
  /** Runs after the browser build, e.g. to copy assets beside it. */
  afterBrowserBuild?: () => Promise<void>;
}

export function packageBuilds(options: PackageBuildOptions = {}): Options[] {
  const node: Options = {
    entry: ['src/index.ts', ...(options.typedEntries ?? []), ...(options.nodeEntries ?? [])],
    format: ['esm', 'cjs'],
    dts: { entry: ['src/index.ts', ...(options.typedEntries ?? [])] },
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform: 'node',
    shims: options.shims ?? false,
    ...(options.nodeBundled && { noExternal: options.nodeBundled }),
  };
  if (!options.browserEntry) return [node];
  const browser: Options = {
    entry: { browser: options.browserEntry },
    format: ['esm'],
    dts: true,
    sourcemap: true,
    clean: false,
    target: 'es2022',
    platform: 'browser',
    onSuccess: options.afterBrowserBuild,
  };
  return [node, browser];
}
