import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { initBackend, writeFileAtomic } from '@scalespace/core';
import { escapeHtml } from './html.js';

export interface DemoContext {
  /** The section's own folder inside the demo output (created). */
  dir: string;
  /** Path of a file in the section folder, relative to the report (for <img src>). */
  href(file: string): string;
  seed: number;
  signal: AbortSignal;
  log(line: string): void;
}

export interface SectionResult {
  /** Numbers and facts for report.json. */
  summary: Record<string, unknown>;
  /** An HTML fragment for index.html. */
  html: string;
}

/** One part of the demo; every package contributes one. */
export interface DemoSection {
  id: string;
  title: string;
  run(ctx: DemoContext): Promise<SectionResult>;
}

export interface DemoReport {
  createdAt: string;
  seconds: number;
  sections: Array<{ id: string; title: string; seconds: number; summary: Record<string, unknown> }>;
}

/** Runs the sections in order, writing each one's files under outDir/<id>, then index.html and report.json. */
export async function runDemo(
  sections: DemoSection[],
  options: { outDir: string; seed: number; signal: AbortSignal; log(line: string): void },
): Promise<DemoReport> {
  await initBackend(undefined, { log: options.log });
  const started = performance.now();
  const report: DemoReport = { createdAt: new Date().toISOString(), seconds: 0, sections: [] };
  const fragments: string[] = [];
  for (const section of sections) {
    const dir = join(options.outDir, section.id);
    await mkdir(dir, { recursive: true });
    options.log(`demo: ${section.title}`);
    const t0 = performance.now();
    const result = await section.run({
      dir,
      href: (file) => `${section.id}/${file}`,
      seed: options.seed,
      signal: options.signal,
      log: options.log,
    });
    const seconds = (performance.now() - t0) / 1000;
    report.sections.push({ id: section.id, title: section.title, seconds, summary: result.summary });
    fragments.push(
      `<section id="${section.id}"><h2>${escapeHtml(section.title)}</h2>\n${result.html}\n<p class="t">${seconds.toFixed(1)} s</p></section>`,
    );
  }
  report.seconds = (performance.now() - started) / 1000;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>scalespace demo</title>
<style>body{font-family:sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}
img{image-rendering:pixelated;max-width:100%}table{border-collapse:collapse}td,th{padding:2px 10px;border-bottom:1px solid #ddd;text-align:right}
th:first-child,td:first-child{text-align:left}.t{color:#888;font-size:smaller}</style></head>
<body><h1>scalespace demo</h1><p>Generated ${escapeHtml(report.createdAt)} in ${report.seconds.toFixed(1)} s. Numbers: <a href="report.json">report.json</a>.</p>
${fragments.join('\n')}
</body></html>
`;
  await writeFileAtomic(join(options.outDir, 'index.html'), html);
  await writeFileAtomic(join(options.outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

/** An HTML table from rows of [label, value] or a header plus rows. */
export function htmlTable(header: string[], rows: Array<Array<string | number>>): string {
  const cell = (v: string | number, tag: string) =>
    `<${tag}>${escapeHtml(typeof v === 'number' ? String(Number(v.toPrecision(5))) : v)}</${tag}>`;
  return `<table><tr>${header.map((h) => cell(h, 'th')).join('')}</tr>${rows.map((r) => `<tr>${r.map((v) => cell(v, 'td')).join('')}</tr>`).join('')}</table>`;
}
