// PixelPyramids: samples with their count of sequential network evaluations, and exact super-resolution of the 8x8
// level of a digit's paired pyramid.
import type { ComputeClient } from '../compute/client.js';
import { Action } from '../ui/action.js';
import { DigitPad } from '../ui/digit-pad.js';
import { el, field, figure, plural, seconds } from '../ui/dom.js';

export function mountPixelPyramids(root: HTMLElement, compute: ComputeClient): void {
  const n = el('input', { type: 'number', name: 'n', min: 1, max: 16, value: 8 });
  const temperature = el('input', { type: 'number', name: 'temperature', min: 0.1, max: 1.5, step: 0.05, value: 1 });
  const seed = el('input', { type: 'number', name: 'seed', min: 0, value: 1 });
  const samples = el('div', { class: 'row' });
  const count = el('p', { class: 'evaluations' });
  const sampleResult = el('section', { class: 'result samples', hidden: true }, count, samples);

  const sample = new Action('sample', 'Sample', async (options) => {
    const out = await compute.run(
      'pyramidSample',
      { n: Number(n.value), temperature: Number(temperature.value), seed: Number(seed.value) },
      options,
    );
    samples.replaceChildren(...out.samples.map((s, i) => figure(s, `#${i + 1}`, 3)));
    count.replaceChildren(
      el('strong', {}, `${out.networkEvaluations} sequential network evaluations`),
      ` for ${plural(out.samples.length, 'sample')} of ${out.samples[0].width}x${out.samples[0].height}; a pixel-by-pixel model ` +
        `(PixelCNN++) needs ${out.pixelByPixel.toLocaleString('en')} (${(out.pixelByPixel / out.networkEvaluations).toFixed(1)}x more). ` +
        `Sampling ${seconds(out.seconds)}, model load ${seconds(out.loadSeconds)}.`,
    );
    sampleResult.dataset.evaluations = String(out.networkEvaluations);
    sampleResult.dataset.pixelByPixel = String(out.pixelByPixel);
    sampleResult.hidden = false;
    return `${out.networkEvaluations} evaluations`;
  });

  const pad = new DigitPad();
  const srSamples = el('input', { type: 'number', name: 'sr-samples', min: 1, max: 8, value: 3 });
  const srSeed = el('input', { type: 'number', name: 'sr-seed', min: 0, value: 2 });
  const srRow = el('div', { class: 'row' });
  const srFacts = el('p', { class: 'facts-line' });
  const srResult = el('section', { class: 'result sr', hidden: true }, srRow, srFacts);

  const superResolve = new Action('super-resolve', 'Super-resolve the 8x8 level', async (options) => {
    const out = await compute.run(
      'pyramidSuperResolve',
      { digit: pad.digit(), samples: Number(srSamples.value), seed: Number(srSeed.value) },
      options,
    );
    srRow.replaceChildren(
      figure(out.coarse, '8x8 paired-pyramid level', 12),
      ...out.samples.map((s, i) => figure(s, `sample ${i + 1}`, 3)),
    );
    srFacts.textContent =
      `${out.exact ? 'Exact: every sample has the input as its 8x8 level.' : 'NOT exact: a sample differs at 8x8.'} ` +
      `${out.networkEvaluations} sequential network evaluations, ${seconds(out.seconds)}.`;
    srResult.dataset.exact = String(out.exact);
    srResult.dataset.evaluations = String(out.networkEvaluations);
    srResult.hidden = false;
    return out.exact ? 'exact' : 'not exact';
  });

  root.append(
    el(
      'p',
      { class: 'lead' },
      'PixelPyramids: exact likelihoods on a lossless paired pyramid; sampling is autoregressive over levels and ' +
        'sub-images, not pixels.',
    ),
    el('h3', {}, 'Samples'),
    el('div', { class: 'controls' }, field('samples', n), field('temperature', temperature), field('seed', seed)),
    sample.element,
    sampleResult,
    el('h3', {}, 'Super-resolution from an 8x8 level'),
    pad.element,
    el('div', { class: 'controls' }, field('samples', srSamples), field('seed', srSeed)),
    superResolve.element,
    srResult,
  );
  void pad.loadDigits();
}
