// What a visitor of the built studio waits for: the JavaScript loaded before the first model can run (gzip), and,
// per panel, the seconds from opening the page (a fresh browser profile: cold cache) to the first result of the
// panel's main action with its default settings. Served from this machine, so no network time is included.
// With --docs it also writes one small screenshot per panel to docs/ (the README's).
// Run from the repository root, after a build:
//   npx -y pnpm@9.15.9 --filter studio build && npx -y pnpm@9.15.9 --filter studio measure [--backend webgpu] [--docs]
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import sharp from 'sharp';
import { act, chromiumSkipReason, ROOT, startStudio } from '../test/harness.js';

const { values } = parseArgs({ options: { backend: { type: 'string' }, docs: { type: 'boolean' } } });

const DIST = `${ROOT}dist/`;
const kB = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;
const gzip = (file: string) => gzipSync(readFileSync(`${DIST}${file}`), { level: 9 }).length;

/** A chunk and the chunks it imports statically (`import … from "./x.js"`), each once. */
function withStaticImports(file: string, found = new Set<string>()): Set<string> {
  if (found.has(file)) return found;
  found.add(file);
  const code = readFileSync(`${DIST}${file}`, 'utf8');
  for (const [, name] of code.matchAll(/(?:from|import)\s*"\.\/([\w.-]+\.js)"/g))
    withStaticImports(`assets/${name}`, found);
  return found;
}

function sizes(): void {
  const html = readFileSync(`${DIST}index.html`, 'utf8');
  const entry = html.match(/src="\.\/(assets\/index-[\w-]+\.js)"/)?.[1];
  if (!entry) throw new Error('dist/index.html has no entry script: build the studio first');
  const page = withStaticImports(entry);
  const workerName = readFileSync(`${DIST}${entry}`, 'utf8').match(/worker-[\w-]+\.js/)?.[0];
  const worker = workerName ? withStaticImports(`assets/${workerName}`) : new Set<string>();
  const assets = readdirSync(`${DIST}assets`).map((name) => `assets/${name}`);
  const lazy = assets.filter((f) => f.endsWith('.js') && !page.has(f) && !worker.has(f));
  const simd = assets.find((f) => /tfjs-backend-wasm-simd-[\w-]+\.wasm$/.test(f))!;
  const weights = assets.filter((f) => f.endsWith('.safetensors'));
  const sum = (files: Iterable<string>) => [...files].reduce((total, f) => total + gzip(f), 0);
  const raw = (files: Iterable<string>) => [...files].reduce((total, f) => total + statSync(`${DIST}${f}`).size, 0);
  console.log('| what | files | gzip |');
  console.log('| --- | --- | --- |');
  console.log(`| the page's JavaScript | ${page.size} | ${kB(sum(page))} |`);
  console.log(
    `| the compute worker (TensorFlow.js, backends, scalespace), loaded at start | ${worker.size} | ${kB(sum(worker))} |`,
  );
  console.log(`| wasm backend binary (SIMD), loaded at start | 1 | ${kB(gzip(simd))} |`);
  console.log(`| model code, loaded on first use | ${lazy.length} | ${kB(sum(lazy))} |`);
  console.log(
    `| model weights, loaded on first use | ${weights.length} | ${kB(sum(weights))} (raw ${kB(raw(weights))}) |`,
  );
}

/** Each panel's main action, what must be on the page before it can be clicked, and its other actions (run for
 * the screenshot only). */
const PANELS = [
  { panel: 'denoise', action: 'denoise', ready: '#denoise [data-input=image][data-loaded]', more: [] },
  {
    panel: 'super-resolution',
    action: 'super-resolve',
    ready: '#super-resolution .digit-picker button.digit',
    more: [],
  },
  {
    panel: 'pixel-pyramids',
    action: 'sample',
    ready: '#pixel-pyramids .digit-picker button.digit',
    more: ['super-resolve'],
  },
  { panel: 'singan', action: 'sample', ready: '#singan', more: ['animate'] },
  { panel: 'explorer', action: 'decompose', ready: '#explorer [data-input=image][data-loaded]', more: [] },
];

async function firstResults(): Promise<void> {
  const skip = chromiumSkipReason();
  if (skip) return console.log(`first results not measured: ${skip}`);
  if (values.docs) mkdirSync(`${ROOT}docs`, { recursive: true });
  const query = values.backend ? `?backend=${values.backend}` : '';
  console.log(`\n| panel | backend | page open -> first result | of which the action |`);
  console.log('| --- | --- | --- | --- |');
  for (const { panel, action, ready, more } of PANELS) {
    const studio = await startStudio();
    try {
      const page = await studio.browser.context.newPage();
      await page.setViewportSize({ width: 1000, height: 800 });
      const opened = performance.now();
      await page.goto(`${studio.url}${query}#${panel}`);
      await page.waitForSelector(ready, { timeout: 60_000 });
      const actionSeconds = await act(page, `#${panel} [data-action=${action}]`, 600_000);
      const total = (performance.now() - opened) / 1000;
      const backend = await page.textContent('#compute-status');
      console.log(
        `| ${panel} | ${backend?.match(/backend (.*?) ·/)?.[1]} | ${total.toFixed(2)} s | ${actionSeconds.toFixed(2)} s |`,
      );
      if (values.docs) {
        for (const other of more) await act(page, `#${panel} [data-action=${other}]`, 600_000);
        const shot = await page.screenshot({ fullPage: true });
        await sharp(shot)
          .resize({ width: 800 })
          .png({ palette: true, colours: 96, effort: 10 })
          .toFile(`${ROOT}docs/${panel}.png`);
      }
    } finally {
      await studio.close();
    }
  }
}

sizes();
await firstResults();
console.log(
  `\n${cpus().length} cores (${cpus()[0]?.model}), Node ${process.version}, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
