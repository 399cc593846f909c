// The built studio in headless Chromium (Debian's chromium via playwright-core), once on wasm and once on WebGPU
// (SwiftShader, forced with ?backend=webgpu; tiny inputs, since software WebGPU is slow). Each panel's action runs
// through the page's UI and its result is checked against the same library calls made here in Node.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf } from '@scalespace/core';
import { lrPsnr } from '@scalespace/metrics';
import { disposePaired, pairedPyramid } from '@scalespace/pyramids';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  act,
  canvases,
  chooseImage,
  chromiumSkipReason,
  openStudio,
  screenshot,
  showPanel,
  startStudio,
} from './harness.js';
import {
  cameraCrop,
  denoiseInNode,
  entropiesInNode,
  pyramidSamplesInNode,
  singanSampleInNode,
  startNode,
  superResolveInNode,
} from './reference.js';

const skip = chromiumSkipReason();
if (skip) console.warn(`studio: ${skip}`);

/** Per backend: input sizes [height, width] and counts; WebGPU's are tiny. */
const RUNS = {
  wasm: {
    denoise: [
      { model: 'flat-rf43', size: [152, 200], tile: 64 },
      { model: 'multiscale-rf13', size: [256, 320], tile: 128 },
    ],
    srSamples: 4,
    pyramidSamples: 4,
    singan: { size: [40, 72], samples: 2, frames: 3 },
    explorer: [96, 128],
  },
  webgpu: {
    denoise: [{ model: 'flat-rf43', size: [48, 80], tile: 64 }],
    srSamples: 2,
    pyramidSamples: 1,
    singan: { size: [24, 40], samples: 1, frames: 2 },
    explorer: [32, 48],
  },
} as const;

const SIGMA = 25;
const SEED = 3;
const maxDiff = (a: number[], b: number[]) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
/** Sets a form control as a person would, firing its input and change events. */
const setValue = (page: Page, selector: string, value: string | number) =>
  page.$eval(
    selector,
    (control, v) => {
      (control as HTMLInputElement).value = v;
      control.dispatchEvent(new Event('input', { bubbles: true }));
      control.dispatchEvent(new Event('change', { bubbles: true }));
    },
    String(value),
  );

describe.skipIf(skip !== null)('the built studio in headless Chromium', () => {
  let studio: Awaited<ReturnType<typeof startStudio>>;
  let dir: string;

  beforeAll(async () => {
    studio = await startStudio();
    dir = await mkdtemp(join(tmpdir(), 'studio-test-'));
    await startNode();
  });

  afterAll(async () => {
    await studio?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  for (const backend of ['wasm', 'webgpu'] as const) {
    describe(`on ${backend}`, () => {
      const run = RUNS[backend];
      let page: Page;
      let errors: string[];

      beforeAll(async () => {
        ({ page, errors } = await openStudio(studio, backend));
        const status = await page.textContent('#compute-status');
        console.log(`studio on ${backend}: ${status}`);
        if (backend === 'webgpu') expect(status).toMatch(/software fallback/);
      });

      afterAll(async () => {
        await page?.close();
        expect(errors).toEqual([]);
      });

      it('denoises a tiled image to the PSNR Node gets from one whole-image call', async () => {
        await showPanel(page, 'denoise');
        for (const { model, size, tile } of run.denoise) {
          const file = await cameraCrop(dir, size[0], size[1]);
          await chooseImage(page, '#denoise [data-input=image]', file);
          await page.selectOption('#denoise select[name=model]', model);
          await page.selectOption('#denoise select[name=tile]', String(tile));
          await setValue(page, '#denoise input[name=sigma]', SIGMA);
          await setValue(page, '#denoise input[name=seed]', SEED);
          await act(page, '#denoise [data-action=denoise]');
          const psnr = Number(await page.getAttribute('#denoise .result', 'data-psnr-denoised'));
          const node = await denoiseInNode(model, file, SIGMA, SEED);
          console.log(
            `${backend} ${model} ${size[1]}x${size[0]} tile ${tile}: ${psnr.toFixed(4)} dB, Node ${node.psnr.toFixed(4)} dB`,
          );
          expect(Math.abs(psnr - node.psnr)).toBeLessThan(0.01);
          const noisyPsnr = Number(await page.getAttribute('#denoise .result', 'data-psnr-noisy'));
          expect(psnr).toBeGreaterThan(noisyPsnr + 3);
          // Pixel for pixel: the tiles leave no seams (8-bit values within one step of Node's).
          const [, after] = await canvases(page, '#denoise .compare-stage');
          expect([after.height, after.width]).toEqual([...size]);
          expect(maxDiff(after.grey, node.denoised)).toBeLessThanOrEqual(1);
        }
        await screenshot(page, `${backend}-denoise`);
      });

      it('draws diverse x4 super-resolutions of a held-out digit, consistent with the 8x8 input', async () => {
        await showPanel(page, 'super-resolution');
        await page.click('#super-resolution .digit-picker button.digit >> nth=0');
        await setValue(page, '#super-resolution input[name=samples]', run.srSamples);
        await setValue(page, '#super-resolution input[name=seed]', SEED);
        await act(page, '#super-resolution [data-action=super-resolve]');
        const [low, , ...samples] = await canvases(page, '#super-resolution .result');
        expect(samples).toHaveLength(run.srSamples);
        expect([low.height, low.width]).toEqual([8, 8]);
        const shown = JSON.parse((await page.getAttribute('#super-resolution .result', 'data-lr-psnr'))!) as number[];
        for (const [i, sample] of samples.entries()) {
          expect([sample.height, sample.width]).toEqual([32, 32]);
          // Consistency measured here on the page's own pixels: the sample degraded again against the 8x8 input.
          const x = tf.tensor3d(
            sample.grey.map((v) => v / 255),
            [32, 32, 1],
          );
          const y = tf.tensor3d(
            low.grey.map((v) => v / 255),
            [8, 8, 1],
          );
          const consistency = await lrPsnr(x, y, { scale: 4, dataRange: 1 });
          tf.dispose([x, y]);
          expect(consistency).toBeGreaterThan(24);
          expect(Math.abs(consistency - shown[i])).toBeLessThan(1.5); // the page's figure, before 8-bit rounding
        }
        expect(maxDiff(samples[0].grey, samples[1].grey)).toBeGreaterThan(20); // diverse
        if (backend === 'wasm') {
          const node = await superResolveInNode(0, { samples: run.srSamples, temperature: 0.8, seed: SEED });
          for (const [i, sample] of samples.entries()) expect(maxDiff(sample.grey, node[i])).toBeLessThanOrEqual(1);
        }
        await screenshot(page, `${backend}-super-resolution`);
      });

      it('samples PixelPyramids in 40 sequential evaluations and super-resolves an 8x8 level exactly', async () => {
        await showPanel(page, 'pixel-pyramids');
        await setValue(page, '#pixel-pyramids input[name=n]', run.pyramidSamples);
        await setValue(page, '#pixel-pyramids input[name=seed]', SEED);
        await act(page, '#pixel-pyramids [data-action=sample]');
        expect(await page.getAttribute('#pixel-pyramids .result.samples', 'data-evaluations')).toBe('40');
        expect(await page.textContent('#pixel-pyramids .evaluations')).toMatch(
          /40 sequential network evaluations.*needs 1,024/,
        );
        const samples = await canvases(page, '#pixel-pyramids .result.samples');
        expect(samples).toHaveLength(run.pyramidSamples);
        if (backend === 'wasm') {
          const node = await pyramidSamplesInNode(run.pyramidSamples, SEED);
          expect(node.evaluations).toBe(40);
          for (const [i, sample] of samples.entries()) expect(sample.grey).toEqual(node.samples[i]);
        }

        await page.click('#pixel-pyramids .digit-picker button.digit >> nth=1');
        await setValue(page, '#pixel-pyramids input[name=sr-samples]', 2);
        await act(page, '#pixel-pyramids [data-action=super-resolve]');
        expect(await page.getAttribute('#pixel-pyramids .result.sr', 'data-exact')).toBe('true');
        const [coarse, ...srs] = await canvases(page, '#pixel-pyramids .result.sr');
        expect([coarse.height, coarse.width]).toEqual([8, 8]);
        for (const sr of srs) {
          // Exactness checked here on the page's pixels: the sample's own paired pyramid has the input at 8x8.
          const ints = tf.tensor4d(sr.grey, [1, 32, 32, 1], 'int32');
          const pyramid = pairedPyramid(ints, { bits: 8, coarsest: 8 });
          expect(Array.from(await pyramid.coarse.data())).toEqual(coarse.grey);
          disposePaired(pyramid);
          ints.dispose();
        }
        await screenshot(page, `${backend}-pixel-pyramids`);
      });

      it('samples SinGAN at the asked width and height, and animates it', async () => {
        await showPanel(page, 'singan');
        const { size, samples, frames } = run.singan;
        const [height, width] = size;
        await setValue(page, '#singan input[name=width]', width);
        await setValue(page, '#singan input[name=height]', height);
        await setValue(page, '#singan input[name=n]', samples);
        await setValue(page, '#singan input[name=seed]', SEED);
        await act(page, '#singan [data-action=sample]');
        expect(await page.getAttribute('#singan .result.samples', 'data-size')).toBe(`${width}x${height}`);
        const [training, ...shown] = await canvases(page, '#singan .result.samples');
        expect([training.width, training.height]).toEqual([128, 85]);
        expect(shown.map((c) => [c.width, c.height])).toEqual(Array(samples).fill([width, height]));
        if (backend === 'wasm')
          expect(maxDiff(shown[0].grey, await singanGrey(SEED, height, width))).toBeLessThanOrEqual(1);

        await setValue(page, '#singan input[name=frames]', frames);
        await act(page, '#singan [data-action=animate]');
        expect(await page.getAttribute('#singan .result.animation', 'data-frames')).toBe(String(frames));
        expect(await page.getAttribute('#singan .result.animation', 'data-size')).toBe(`${width}x${height}`);
        await screenshot(page, `${backend}-singan`);
      });

      it('explores the paired pyramid with the entropies Node computes', async () => {
        await showPanel(page, 'explorer');
        const [height, width] = run.explorer;
        const file = await cameraCrop(dir, height, width);
        await chooseImage(page, '#explorer [data-input=image]', file);
        await setValue(page, '#explorer input[name=levels]', 6);
        await setValue(page, '#explorer input[name=wavelet-levels]', 3);
        await act(page, '#explorer [data-action=decompose]');
        const node = await entropiesInNode(file, { bits: 8, levels: 6, liftingLevels: 3 });
        const attribute = (name: string) => page.getAttribute('#explorer .result', name);
        expect(Number(await attribute('data-raw-entropy'))).toBeCloseTo(node.raw, 9);
        const paired = JSON.parse((await attribute('data-paired'))!) as number[];
        const lifting = JSON.parse((await attribute('data-lifting'))!) as number[];
        expect(paired).toHaveLength(7);
        for (const [i, h] of paired.entries()) expect(h).toBeCloseTo(node.paired[i], 9);
        for (const [i, h] of lifting.entries()) expect(h).toBeCloseTo(node.lifting[i], 9);
        expect(await page.locator('#explorer .levels figure').count()).toBe(7);
        await screenshot(page, `${backend}-explorer`);
      });

      if (backend === 'wasm') {
        it('holds no more tensors after every action runs again (the models loaded, nothing leaked)', async () => {
          const held = async () => Number(await page.getAttribute('#compute-status', 'data-tensors'));
          const before = await held();
          expect(before).toBeGreaterThan(0); // the loaded models' weights
          for (const [panel, action] of [
            ['denoise', 'denoise'],
            ['super-resolution', 'super-resolve'],
            ['pixel-pyramids', 'sample'],
            ['pixel-pyramids', 'super-resolve'],
            ['singan', 'sample'],
            ['singan', 'animate'],
            ['explorer', 'decompose'],
          ]) {
            await showPanel(page, panel);
            await act(page, `#${panel} [data-action=${action}]`);
            expect(await held(), `${panel} ${action}`).toBe(before);
          }
        });

        it('cancels long work: a tiled denoising between tiles, a synchronous animation by ending its worker', async () => {
          await showPanel(page, 'denoise');
          await page.click('#denoise [data-input=image] button:has-text("camera")');
          await page.waitForSelector('#denoise [data-input=image][data-loaded="camera"]');
          await page.selectOption('#denoise select[name=tile]', '64');
          await page.click('#denoise [data-action=denoise] button.primary');
          await page.waitForSelector('#denoise [data-action=denoise] .status:has-text("tile ")');
          await page.click('#denoise [data-action=denoise] button.cancel');
          await page.waitForSelector('#denoise [data-action=denoise][data-state="cancelled"]', { timeout: 10_000 });

          await showPanel(page, 'singan');
          await setValue(page, '#singan input[name=frames]', 120);
          await setValue(page, '#singan input[name=width]', 256);
          await page.click('#singan [data-action=animate] button.primary');
          await page.waitForTimeout(1000);
          await page.click('#singan [data-action=animate] button.cancel');
          await page.waitForSelector('#singan [data-action=animate][data-state="cancelled"]', { timeout: 10_000 });
          // A fresh worker takes the next task.
          await setValue(page, '#singan input[name=width]', 40);
          await setValue(page, '#singan input[name=frames]', 2);
          await act(page, '#singan [data-action=animate]');
          expect(await page.getAttribute('#compute-status', 'data-state')).toBe('ready');
        });
      }
    });
  }
});

async function singanGrey(seed: number, height: number, width: number): Promise<number[]> {
  const rgb = await singanSampleInNode(seed, height, width);
  return rgb.filter((_, i) => i % 3 === 0);
}
