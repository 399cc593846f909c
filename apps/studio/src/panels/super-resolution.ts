// CVDVAE diverse x4 super-resolution of a digit: several 32x32 digits drawn for one 8x8 input, side by side.
import type { ComputeClient } from '../compute/client.js';
import { Action } from '../ui/action.js';
import { DigitPad } from '../ui/digit-pad.js';
import { el, field, figure, plural, seconds } from '../ui/dom.js';

export function mountSuperResolution(root: HTMLElement, compute: ComputeClient): void {
  const pad = new DigitPad();
  const temperature = el('input', { type: 'range', name: 'temperature', min: 0, max: 1.5, step: 0.05, value: 0.8 });
  const temperatureText = el('output', {}, '0.80');
  temperature.addEventListener('input', () => (temperatureText.textContent = Number(temperature.value).toFixed(2)));
  const samples = el('input', { type: 'number', name: 'samples', min: 1, max: 12, value: 5 });
  const seed = el('input', { type: 'number', name: 'seed', min: 0, value: 1 });
  const row = el('div', { class: 'row' });
  const facts = el('p', { class: 'facts-line' });
  const result = el('section', { class: 'result', hidden: true }, row, facts);

  const action = new Action('super-resolve', 'Super-resolve', async (options) => {
    const out = await compute.run(
      'superResolution',
      {
        digit: pad.digit(),
        samples: Number(samples.value),
        temperature: Number(temperature.value),
        seed: Number(seed.value),
      },
      options,
    );
    row.replaceChildren(
      figure(out.low, '8x8 input', 16),
      figure(out.bicubic, 'bicubic', 4),
      ...out.samples.map((s, i) => figure(s, `sample ${i + 1} · LR-PSNR ${out.lrPsnr[i].toFixed(1)} dB`, 4)),
    );
    const mean = out.lrPsnr.reduce((a, b) => a + b, 0) / out.lrPsnr.length;
    facts.textContent =
      `${plural(out.samples.length, 'sample')} in one decoder pass: ${seconds(out.seconds)} ` +
      `(model load ${seconds(out.loadSeconds)}); mean LR-PSNR ${mean.toFixed(2)} dB ` +
      '(each sample downscaled again against the 8x8 input: its consistency)';
    result.dataset.lrPsnr = JSON.stringify(out.lrPsnr);
    result.dataset.samples = String(out.samples.length);
    result.hidden = false;
    return `${plural(out.samples.length, 'sample')} of ${out.samples[0].width}x${out.samples[0].height}`;
  });

  root.append(
    el(
      'p',
      { class: 'lead' },
      'CVDVAE: a low-resolution encoder into a VD-VAE prior. The 32x32 digit is reduced to 8x8 (bicubic, as in ' +
        'training); each sample is a different 32x32 digit consistent with it.',
    ),
    pad.element,
    el(
      'div',
      { class: 'controls' },
      field('temperature', temperature, temperatureText),
      field('samples', samples),
      field('seed', seed),
    ),
    action.element,
    result,
  );
  void pad.loadDigits();
}
