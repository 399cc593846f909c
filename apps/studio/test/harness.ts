// Driving the built studio in headless Chromium: Vite's preview server on the built files, a page per backend,
// and helpers that act on a panel and read its results (data attributes and canvas pixels).
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { preview } from 'vite';
import { launchChromium } from '../../../tests/browser/src/chromium.js';

export { chromiumSkipReason } from '../../../tests/browser/src/chromium.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const OUTPUT = fileURLToPath(new URL('../test-output/', import.meta.url));

/** The built studio served as a static host would serve it, and a headless Chromium to look at it. */
export async function startStudio(): Promise<{
  url: string;
  browser: Awaited<ReturnType<typeof launchChromium>>;
  close(): Promise<void>;
}> {
  if (!existsSync(`${ROOT}dist/index.html`))
    throw new Error(
      'the studio is not built: run `npx -y pnpm@9.15.9 --filter studio build` (turbo does it before test)',
    );
  await mkdir(OUTPUT, { recursive: true });
  const server = await preview({ root: ROOT, logLevel: 'silent', preview: { host: '127.0.0.1', port: 0 } });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('the preview server has no address');
  const browser = await launchChromium();
  return {
    url,
    browser,
    close: async () => {
      await browser.close();
      await server.close();
    },
  };
}

/** Opens the studio on a backend; collects uncaught errors of the page and its workers into `errors`. */
export async function openStudio(
  studio: Awaited<ReturnType<typeof startStudio>>,
  backend: string,
): Promise<{ page: Page; errors: string[] }> {
  const page = await studio.browser.context.newPage();
  await page.setViewportSize({ width: 1100, height: 900 });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${studio.url}?backend=${backend}`);
  await page.waitForSelector(`#compute-status[data-backend="${backend}"]`, { timeout: 60_000 });
  return { page, errors };
}

export async function showPanel(page: Page, panel: string): Promise<void> {
  await page.click(`nav a[data-panel="${panel}"]`);
  await page.waitForSelector(`#${panel}:not([hidden])`);
}

/** Gives a file to a panel's image input and waits until the page has decoded it. */
export async function chooseImage(page: Page, input: string, file: string): Promise<void> {
  await page.setInputFiles(`${input} input[type=file]`, file);
  const name = file.split('/').pop()!;
  await page.waitForSelector(`${input}[data-loaded="${name}"]`);
}

/** Clicks an action's button and waits for it to finish; fails with the action's own message when it did not. */
export async function act(page: Page, action: string, timeout = 120_000): Promise<number> {
  const started = performance.now();
  await page.click(`${action} button.primary`);
  await page.waitForSelector(`${action}:not([data-state="running"]):not([data-state="idle"])`, { timeout });
  const state = await page.getAttribute(action, 'data-state');
  if (state !== 'done') throw new Error(`${action} ended ${state}: ${await page.textContent(`${action} .status`)}`);
  return (performance.now() - started) / 1000;
}

/** Grey values (the red channel) of every canvas under `selector`, in document order, with their sizes. */
export function canvases(
  page: Page,
  selector: string,
): Promise<Array<{ width: number; height: number; grey: number[] }>> {
  return page.$$eval(`${selector} canvas`, (list) =>
    (list as HTMLCanvasElement[]).map((canvas) => {
      const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      return { width: canvas.width, height: canvas.height, grey: Array.from(data.filter((_, i) => i % 4 === 0)) };
    }),
  );
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${OUTPUT}${name}.png`, fullPage: true });
}
