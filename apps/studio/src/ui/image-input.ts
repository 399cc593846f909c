// Where an image comes from: dropped on the zone, chosen with the file picker, or one of a few samples.
import type { Rgba } from '../compute/protocol.js';
import { el, rgbaFromBlob, rgbaFromUrl } from './dom.js';

export interface Sample {
  label: string;
  url: string | URL;
}

export class ImageInput {
  readonly element: HTMLElement;
  readonly file: HTMLInputElement;
  #image: Rgba | null = null;
  readonly #label = el('span', { class: 'image-name' }, 'no image yet');
  readonly #samples = el('span', { class: 'samples' });

  /** `name` becomes the element's `data-input`, for tests and styles. */
  constructor(name: string, title: string) {
    this.file = el('input', { type: 'file', accept: 'image/*' });
    this.file.addEventListener('change', () => {
      const file = this.file.files?.[0];
      if (file) void this.#load(rgbaFromBlob(file), file.name);
    });
    this.element = el(
      'div',
      { class: 'drop', 'data-input': name },
      el('strong', {}, title),
      el('span', {}, 'drop an image here or '),
      this.file,
      this.#samples,
      this.#label,
    );
    this.element.addEventListener('dragover', (event) => {
      event.preventDefault();
      this.element.classList.add('over');
    });
    this.element.addEventListener('dragleave', () => this.element.classList.remove('over'));
    this.element.addEventListener('drop', (event) => {
      event.preventDefault();
      this.element.classList.remove('over');
      const file = event.dataTransfer?.files[0];
      if (file) void this.#load(rgbaFromBlob(file), file.name);
    });
  }

  get image(): Rgba | null {
    return this.#image;
  }

  /** Offers sample images to take with one click, and loads the first (so the panel has something to work on). */
  async offer(samples: Sample[]): Promise<void> {
    const buttons = samples.map((s) =>
      el('button', { type: 'button', onclick: () => void this.#load(rgbaFromUrl(s.url), s.label) }, s.label),
    );
    this.#samples.replaceChildren(...(buttons.length ? ['or take ', ...buttons] : []));
    if (samples[0] && !this.#image) await this.#load(rgbaFromUrl(samples[0].url), samples[0].label);
  }

  async #load(image: Promise<Rgba>, name: string): Promise<void> {
    try {
      this.#image = await image;
      this.#label.textContent = `${name}: ${this.#image.width}x${this.#image.height}`;
      this.element.dataset.loaded = name;
    } catch (error) {
      this.#label.textContent = `could not read ${name}: ${(error as Error).message}`;
    }
  }
}
