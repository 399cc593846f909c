// SinGAN: samples of the shipped single-image model (the CC0 coffee photo) at any width and height, and its
// animation played in a loop.
import type { ComputeClient } from '../compute/client.js';
import type { Picture } from '../compute/protocol.js';
import { Action } from '../ui/action.js';
import { drawPicture, el, field, figure, plural, seconds } from '../ui/dom.js';

const FPS = 12;

export function mountSingan(root: HTMLElement, compute: ComputeClient): void {
  const width = el('input', { type: 'number', name: 'width', min: 16, max: 1024, value: 192 });
  const height = el('input', { type: 'number', name: 'height', min: 16, max: 1024, value: 85 });
  const n = el('input', { type: 'number', name: 'n', min: 1, max: 16, value: 3 });
  const seed = el('input', { type: 'number', name: 'seed', min: 0, value: 1 });
  const frames = el('input', { type: 'number', name: 'frames', min: 2, max: 120, value: 24 });
  const row = el('div', { class: 'row' });
  const facts = el('p', { class: 'facts-line' });
  const samplesResult = el('section', { class: 'result samples', hidden: true }, row, facts);
  const player = el('canvas', { class: 'player' });
  const playerFacts = el('p', { class: 'facts-line' });
  const animationResult = el('section', { class: 'result animation', hidden: true }, player, playerFacts);
  let playing = 0;

  const size = () => ({ width: Number(width.value), height: Number(height.value) });

  const sample = new Action('sample', 'Sample', async (options) => {
    const out = await compute.run('singanSample', { ...size(), n: Number(n.value), seed: Number(seed.value) }, options);
    row.replaceChildren(
      figure(out.training, `training image ${out.training.width}x${out.training.height}`),
      ...out.images.map((s, i) => figure(s, `seed ${Number(seed.value) + i} · ${s.width}x${s.height}`)),
    );
    facts.textContent = `${plural(out.images.length, 'sample')} in ${seconds(out.seconds)} (model load ${seconds(out.loadSeconds)})`;
    samplesResult.dataset.size = `${out.images[0].width}x${out.images[0].height}`;
    samplesResult.hidden = false;
    return `${plural(out.images.length, 'sample')} of ${out.images[0].width}x${out.images[0].height}`;
  });

  const animate = new Action('animate', 'Animate', async (options) => {
    const out = await compute.run(
      'singanAnimate',
      { ...size(), frames: Number(frames.value), seed: Number(seed.value) },
      options,
    );
    play(out.images);
    playerFacts.textContent = `${out.images.length} frames in ${seconds(out.seconds)}, played at ${FPS} frames/s`;
    animationResult.dataset.size = `${out.images[0].width}x${out.images[0].height}`;
    animationResult.dataset.frames = String(out.images.length);
    animationResult.hidden = false;
    return `${out.images.length} frames`;
  });

  function play(images: Picture[]): void {
    const token = ++playing;
    let frame = 0;
    const show = () => {
      if (token !== playing || !player.isConnected) return;
      drawPicture(player, images[frame % images.length], 2);
      frame++;
      setTimeout(() => requestAnimationFrame(show), 1000 / FPS);
    };
    show();
  }

  root.append(
    el(
      'p',
      { class: 'lead' },
      'SinGAN, trained on one photo (CC0 coffee cup, 128 px wide): new images of any size and aspect ratio with ' +
        'the same patches, and an animation (a random walk in its noise).',
    ),
    el(
      'div',
      { class: 'controls' },
      field('width', width),
      field('height', height),
      field('samples', n),
      field('seed', seed),
    ),
    sample.element,
    samplesResult,
    el('div', { class: 'controls' }, field('frames', frames)),
    animate.element,
    animationResult,
  );
}
