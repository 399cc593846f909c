// Denoising: an image (dropped, chosen or a held-out photo), Gaussian noise of a chosen sigma added with a seed
// (or none: the image is already noisy, with an optional clean reference), a denoiser from the table, tiles.
import type { ComputeClient } from '../compute/client.js';
import { DENOISERS, type DenoiserId } from '../denoisers.js';
import { Action } from '../ui/action.js';
import { Compare } from '../ui/compare.js';
import { el, field, seconds } from '../ui/dom.js';
import { ImageInput } from '../ui/image-input.js';

export function mountDenoise(root: HTMLElement, compute: ComputeClient): void {
  const image = new ImageInput('image', 'Image');
  const reference = new ImageInput('reference', 'Clean reference (optional, for PSNR when the image is already noisy)');
  const model = el(
    'select',
    { name: 'model' },
    ...Object.entries(DENOISERS).map(([id, row]) => el('option', { value: id }, `${row.label} · ${row.package}`)),
  );
  const sigma = el('input', { type: 'range', name: 'sigma', min: 0, max: 100, value: 25 });
  const sigmaText = el('output', {}, '25');
  const seed = el('input', { type: 'number', name: 'seed', value: 1, min: 0 });
  const tile = el('select', { name: 'tile' }, ...[64, 128, 256, 512].map((t) => el('option', { value: t }, `${t} px`)));
  tile.value = '256';
  const compare = new Compare();
  const facts = el('dl', { class: 'facts' });
  const result = el('section', { class: 'result', hidden: true }, compare.element, facts);

  const syncSigma = () => {
    sigmaText.textContent = sigma.value === '0' ? '0 (the image is already noisy)' : sigma.value;
    reference.element.hidden = sigma.value !== '0';
  };
  sigma.addEventListener('input', syncSigma);
  syncSigma();

  const action = new Action('denoise', 'Denoise', async (options) => {
    if (!image.image) throw new Error('choose an image first');
    const s = Number(sigma.value);
    const out = await compute.run(
      'denoise',
      {
        model: model.value as DenoiserId,
        image: image.image,
        sigma: s,
        seed: Number(seed.value),
        reference: s === 0 ? (reference.image ?? undefined) : undefined,
        tile: Number(tile.value),
      },
      options,
    );
    compare.show(out.noisy, out.denoised, [s > 0 ? `noisy (sigma ${s})` : 'input', 'denoised']);
    const psnr = (v: number | null) => (v === null ? 'no reference' : `${v.toFixed(2)} dB`);
    facts.replaceChildren(
      ...[
        ['PSNR noisy', psnr(out.psnrNoisy)],
        ['PSNR denoised', psnr(out.psnrDenoised)],
        ['noise the model removed (rms)', `${(out.sigmaEstimate * 255).toFixed(1)} / 255`],
        ['tiles', `${out.tiles} (${tile.value} px)`],
        ['network evaluations', String(out.evaluations)],
        ['denoising', seconds(out.seconds)],
        ['model load (first use)', seconds(out.loadSeconds)],
      ].flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]),
    );
    result.dataset.psnrNoisy = String(out.psnrNoisy ?? '');
    result.dataset.psnrDenoised = String(out.psnrDenoised ?? '');
    result.dataset.seconds = String(out.seconds);
    result.hidden = false;
    return out.psnrDenoised === null
      ? `denoised in ${seconds(out.seconds)}`
      : `${out.psnrNoisy!.toFixed(2)} → ${out.psnrDenoised.toFixed(2)} dB`;
  });

  root.append(
    el('p', { class: 'lead' }, 'Blind denoising with bias-free CNNs (Kadkhodaie et al.), tiled so any size fits.'),
    image.element,
    el(
      'div',
      { class: 'controls' },
      field('model', model),
      field('noise sigma (8-bit units)', sigma, sigmaText),
      field('noise seed', seed),
      field('tile', tile),
    ),
    reference.element,
    action.element,
    result,
  );
  void compute.run('heldOutPhotos', undefined).then((photos) => image.offer(photos));
}
