// A 32x32 digit to work on: drawn with the mouse (white on black, as MNIST) or picked from MNIST test digits that
// no shipped model saw in training (public/mnist-test-digits.png: 4 per class, padded to 32x32).
import type { Picture } from '../compute/protocol.js';
import { canvasRgba, el, rgbaFromUrl } from './dom.js';

const SIDE = 32;
const ZOOM = 6;
const DIGITS_URL = `${import.meta.env.BASE_URL}mnist-test-digits.png`;

export class DigitPad {
  readonly element: HTMLElement;
  readonly canvas = el('canvas', { width: SIDE, height: SIDE, class: 'pixelated digit-pad' });
  readonly #picker = el('div', { class: 'digit-picker' });
  readonly #context = this.canvas.getContext('2d', { willReadFrequently: true })!;

  constructor() {
    this.canvas.style.width = `${SIDE * ZOOM}px`;
    this.clear();
    this.#enableDrawing();
    this.element = el(
      'div',
      { class: 'digit-input' },
      el(
        'div',
        {},
        this.canvas,
        el(
          'div',
          {},
          el('button', { type: 'button', onclick: () => this.clear() }, 'Clear'),
          ' draw a digit, or pick:',
        ),
      ),
      this.#picker,
    );
  }

  /** Loads the held-out digits into the picker and shows the first. */
  async loadDigits(): Promise<void> {
    const sheet = await rgbaFromUrl(DIGITS_URL);
    const cols = sheet.width / SIDE;
    const rows = sheet.height / SIDE;
    const buttons: HTMLButtonElement[] = [];
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const tile = new ImageData(SIDE, SIDE);
        for (let y = 0; y < SIDE; y++) {
          const from = ((r * SIDE + y) * sheet.width + c * SIDE) * 4;
          tile.data.set(sheet.data.subarray(from, from + SIDE * 4), y * SIDE * 4);
        }
        const thumb = el('canvas', { width: SIDE, height: SIDE });
        thumb.getContext('2d')!.putImageData(tile, 0, 0);
        const index = r * cols + c;
        buttons.push(
          el('button', { type: 'button', class: 'digit', 'data-index': index, onclick: () => this.#put(tile) }, thumb),
        );
      }
    }
    this.#picker.replaceChildren(...buttons);
    buttons[0]?.click();
  }

  /** The digit as a grey 32x32 image in [0, 1]. */
  digit(): Picture {
    const { data } = canvasRgba(this.canvas);
    const grey = new Float32Array(SIDE * SIDE);
    for (let i = 0; i < grey.length; i++) grey[i] = data[4 * i] / 255;
    return { width: SIDE, height: SIDE, channels: 1, data: grey };
  }

  clear(): void {
    this.#context.fillStyle = '#000';
    this.#context.fillRect(0, 0, SIDE, SIDE);
  }

  #put(tile: ImageData): void {
    this.#context.putImageData(tile, 0, 0);
  }

  #enableDrawing(): void {
    let last: [number, number] | null = null;
    const at = (event: PointerEvent): [number, number] => {
      const box = this.canvas.getBoundingClientRect();
      return [((event.clientX - box.left) / box.width) * SIDE, ((event.clientY - box.top) / box.height) * SIDE];
    };
    const stroke = (to: [number, number]) => {
      const c = this.#context;
      c.strokeStyle = '#fff';
      c.lineWidth = 2.6;
      c.lineCap = 'round';
      c.beginPath();
      c.moveTo(...(last ?? to));
      c.lineTo(...to);
      c.stroke();
      last = to;
    };
    this.canvas.addEventListener('pointerdown', (event) => {
      this.canvas.setPointerCapture(event.pointerId);
      last = null;
      stroke(at(event));
    });
    this.canvas.addEventListener('pointermove', (event) => {
      if (last) stroke(at(event));
    });
    const end = () => {
      last = null;
    };
    this.canvas.addEventListener('pointerup', end);
    this.canvas.addEventListener('pointercancel', end);
  }
}
