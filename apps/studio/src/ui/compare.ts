// Before / after: two images on top of each other, a slider moving the line between them.
import type { Picture } from '../compute/protocol.js';
import { drawPicture, el } from './dom.js';

export class Compare {
  readonly element: HTMLElement;
  readonly slider = el('input', { type: 'range', min: 0, max: 100, value: 50, 'aria-label': 'before / after' });
  readonly #before = el('canvas', { class: 'before' });
  readonly #after = el('canvas', { class: 'after' });
  readonly #labels = el('div', { class: 'compare-labels' });

  constructor() {
    this.slider.addEventListener('input', () => this.#clip());
    this.element = el(
      'div',
      { class: 'compare' },
      el('div', { class: 'compare-stage' }, this.#before, this.#after),
      this.slider,
      this.#labels,
    );
    this.#clip();
  }

  show(before: Picture, after: Picture, labels: [string, string]): void {
    // Large images are shown at most 640 px wide; small ones are enlarged, pixelated.
    const zoom = before.width > 640 ? 640 / before.width : Math.max(1, Math.floor(320 / before.width));
    drawPicture(this.#before, before, zoom);
    drawPicture(this.#after, after, zoom);
    this.#labels.replaceChildren(el('span', {}, `◀ ${labels[0]}`), el('span', {}, `${labels[1]} ▶`));
    this.#clip();
  }

  #clip(): void {
    // The "after" image covers the right part, from the slider's position.
    this.#after.style.clipPath = `inset(0 0 0 ${this.slider.value}%)`;
  }
}
