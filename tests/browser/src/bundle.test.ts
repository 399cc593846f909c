// Every library package and one model package bundled by esbuild for the browser, no externals, then
// run in headless Chromium: the ladder's choice, a pyramid round trip, and the shipped denoiser on the
// wasm and (SwiftShader) WebGPU backends, each equal to the same work done here in Node.
import { copyFile, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend, tf } from '@scalespace/core';
import { load, weightsUrl } from '@scalespace/model-denoiser-flat-rf43';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PageResult } from '../fixtures/entry.js';
import { testScene } from '../fixtures/scene.js';
import { chromiumSkipReason, launchChromium, serveStatic } from './chromium.js';

const skip = chromiumSkipReason();
if (skip) console.warn(`@scalespace/browser-tests: ${skip}`);

const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

describe.skipIf(skip !== null)('the esbuild bundle in headless Chromium', () => {
  let root: string;
  let bundleBytes: number;
  let server: Awaited<ReturnType<typeof serveStatic>>;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let node: { denoised: Float32Array; psnrDenoised: number };

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'scalespace-bundle-'));
    await mkdir(join(root, 'app'));
    await mkdir(join(root, 'weights'));
    // As `npx esbuild fixtures/entry.ts --bundle --platform=browser --format=esm`: no externals.
    const result = await build({
      entryPoints: [fileURLToPath(new URL('../fixtures/entry.ts', import.meta.url))],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      outfile: join(root, 'app', 'bundle.js'),
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    bundleBytes = (await stat(join(root, 'app', 'bundle.js'))).size;
    // What an esbuild user copies: core's wasm binaries beside the bundle, the model's weights anywhere served.
    const coreDist = join(dirname(createRequire(import.meta.url).resolve('@scalespace/core/package.json')), 'dist');
    for (const file of WASM_FILES) await copyFile(join(coreDist, file), join(root, 'app', file));
    await copyFile(fileURLToPath(weightsUrl!), join(root, 'weights', 'flat-rf43.safetensors'));
    await import('node:fs/promises').then((fs) =>
      fs.writeFile(join(root, 'app', 'index.html'), '<!doctype html><script type="module" src="bundle.js"></script>\n'),
    );
    server = await serveStatic(root);
    browser = await launchChromium();

    // The same denoising in Node, on wasm.
    await initBackend('wasm', { log: false });
    const model = await load();
    const { clean, noisy } = testScene();
    const { image } = await model.denoise(noisy);
    const clipped = tf.clipByValue(image, 0, 1);
    const { psnr } = await import('@scalespace/metrics');
    node = {
      denoised: (await image.data()) as Float32Array,
      psnrDenoised: await psnr(clipped, clean, { dataRange: 1 }),
    };
    tf.dispose([clean, noisy, image, clipped]);
    model.dispose();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  async function runInPage(backend: 'ladder' | 'wasm' | 'webgpu'): Promise<PageResult> {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    try {
      await page.goto(`${server.url}app/`);
      await page.waitForFunction(() => 'scalespace' in globalThis);
      const result = await page.evaluate(
        ([b, url]) =>
          (globalThis as unknown as { scalespace: { run(b: string, u: string): Promise<PageResult> } }).scalespace.run(
            b,
            url,
          ),
        [backend, '/weights/flat-rf43.safetensors'] as const,
      );
      expect(errors).toEqual([]);
      return result;
    } finally {
      await page.close();
    }
  }

  const maxRelative = (a: ArrayLike<number>, b: ArrayLike<number>) => {
    let diff = 0;
    let scale = 0;
    for (let i = 0; i < a.length; i++) {
      diff = Math.max(diff, Math.abs(a[i] - b[i]));
      scale = Math.max(scale, Math.abs(b[i]));
    }
    return diff / scale;
  };

  it('bundles every package with no externals and picks wasm over software WebGPU and WebGL', async () => {
    console.log(`bundle: ${(bundleBytes / 1e6).toFixed(2)} MB (esm, unminified)`);
    const page = await runInPage('ladder');
    expect(page.backend).toBe('wasm');
    expect(page.label).toMatch(/^wasm \(XNNPACK, SIMD/);
    for (const count of Object.values(page.exportCounts)) expect(count).toBeGreaterThan(3);
    expect(page.pyramidExact).toBe(true);
    expect(page.numTensorsLeft).toBe(0);
    // The shipped denoiser, weights fetched by URL: as in Node to float rounding, and far above the noisy input.
    expect(maxRelative(page.denoised, node.denoised)).toBeLessThan(1e-5);
    expect(page.psnrDenoised).toBeCloseTo(node.psnrDenoised, 2);
    expect(page.psnrDenoised).toBeGreaterThan(page.psnrNoisy + 5);
  });

  it('runs the same work on WebGPU (a SwiftShader fallback adapter, used because it is forced)', async () => {
    const page = await runInPage('webgpu');
    expect(page.backend).toBe('webgpu');
    expect(page.adapter).toMatchObject({ fallback: true });
    expect(page.pyramidExact).toBe(true);
    expect(page.numTensorsLeft).toBe(0);
    expect(maxRelative(page.denoised, node.denoised)).toBeLessThan(1e-4);
    expect(page.psnrDenoised).toBeCloseTo(node.psnrDenoised, 2);
  });
});
