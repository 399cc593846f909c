// The pyramid and wavelet explorer: the paired pyramid's levels side by side with their entropy, the wavelet
// bands, and the entropy per level of both lossless decompositions next to the raw pixels'.
import type { ComputeClient } from '../compute/client.js';
import { Action } from '../ui/action.js';
import { el, field, figure, seconds } from '../ui/dom.js';
import { ImageInput } from '../ui/image-input.js';

const DIGITS = { label: 'MNIST digits', url: `${import.meta.env.BASE_URL}mnist-test-digits.png` };

const WAVELET_NAMES = ['haar', 'db2', 'db4', 'sym4'];

/** Horizontal bars of bits per value, one per level. */
function entropyBars(rows: Array<{ name: string; bits: number }>, max: number): HTMLElement {
  return el(
    'div',
    { class: 'bars' },
    ...rows.map(({ name, bits }) =>
      el(
        'div',
        { class: 'bar-row' },
        el('span', {}, name),
        el('span', { class: 'bar', style: `width: ${(100 * bits) / max}%` }),
        el('span', {}, `${bits.toFixed(3)} bits`),
      ),
    ),
  );
}

export function mountExplorer(root: HTMLElement, compute: ComputeClient): void {
  const image = new ImageInput('image', 'Image');
  const bits = el('select', { name: 'bits' }, ...[8, 5, 3].map((b) => el('option', { value: b }, `${b} bits`)));
  const levels = el('input', { type: 'number', name: 'levels', min: 1, max: 16, value: 6 });
  const wavelet = el('select', { name: 'wavelet' }, ...WAVELET_NAMES.map((w) => el('option', { value: w }, w)));
  const waveletLevels = el('input', { type: 'number', name: 'wavelet-levels', min: 1, max: 6, value: 3 });
  const pyramid = el('div', { class: 'row levels' });
  const charts = el('div', { class: 'charts' });
  const waveletView = el('div', { class: 'row' });
  const facts = el('p', { class: 'facts-line' });
  const result = el(
    'section',
    { class: 'result', hidden: true },
    facts,
    el('h3', {}, 'Paired pyramid, finest level first'),
    pyramid,
    el('h3', {}, 'Entropy per level'),
    charts,
    el('h3', {}, 'Wavelet bands'),
    waveletView,
  );

  const action = new Action('decompose', 'Decompose', async (options) => {
    if (!image.image) throw new Error('choose an image first');
    const out = await compute.run(
      'explore',
      {
        image: image.image,
        bits: Number(bits.value),
        pairedLevels: Number(levels.value),
        wavelet: wavelet.value as 'haar',
        waveletLevels: Number(waveletLevels.value),
      },
      options,
    );
    // The finest level shown about 200 px wide, the others at the same scale.
    const first = out.paired[0].picture;
    const zoom = Math.min(4, 200 / Math.max(first.width, first.height));
    pyramid.replaceChildren(
      ...out.paired.map((level) => {
        const shown = figure(
          level.picture,
          `${level.name} (${level.axis}) ${level.shape[1]}x${level.shape[0]} · ${level.entropyBits.toFixed(3)} bits`,
          zoom,
        );
        shown.dataset.entropy = String(level.entropyBits);
        return shown;
      }),
    );
    const max = Math.max(
      out.rawEntropy,
      ...out.paired.map((l) => l.entropyBits),
      ...out.lifting.map((l) => l.entropyBits),
    );
    const raw = { name: 'raw pixels', bits: out.rawEntropy };
    charts.replaceChildren(
      el(
        'div',
        {},
        el('h4', {}, 'paired pyramid'),
        entropyBars([raw, ...out.paired.map((l) => ({ name: l.name, bits: l.entropyBits }))], max),
      ),
      el(
        'div',
        {},
        el('h4', {}, '5/3 integer wavelet'),
        entropyBars([raw, ...out.lifting.map((l) => ({ name: l.name, bits: l.entropyBits }))], max),
      ),
    );
    const waveletZoom = Math.min(3, 320 / Math.max(out.wavelet.width, out.wavelet.height));
    waveletView.replaceChildren(
      figure(out.wavelet, `${wavelet.value}, ${waveletLevels.value} levels (|details|, each band scaled)`, waveletZoom),
    );
    const [h, w] = out.size;
    const [oh, ow] = out.original;
    facts.textContent =
      `${w}x${h} grey at ${bits.value} bits` +
      (h !== oh || w !== ow ? ` (from ${ow}x${oh}: shrunk and cropped so each split halves an even side)` : '') +
      `; decomposed in ${seconds(out.seconds)}`;
    result.dataset.rawEntropy = String(out.rawEntropy);
    result.dataset.paired = JSON.stringify(out.paired.map((l) => l.entropyBits));
    result.dataset.lifting = JSON.stringify(out.lifting.map((l) => l.entropyBits));
    result.hidden = false;
    return `${out.paired.length} levels`;
  });

  root.append(
    el(
      'p',
      { class: 'lead' },
      "PixelPyramids' paired pyramid and the 5/3 integer wavelet are lossless: the entropy of their levels shows " +
        'how much a decomposition concentrates an image.',
    ),
    image.element,
    el(
      'div',
      { class: 'controls' },
      field('bits', bits),
      field('paired levels', levels),
      field('wavelet', wavelet),
      field('wavelet levels', waveletLevels),
    ),
    action.element,
    result,
  );
  void compute.run('heldOutPhotos', undefined).then((photos) => image.offer([...photos, DIGITS]));
}
