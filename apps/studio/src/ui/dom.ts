// Small DOM helpers: elements, and plain images drawn to canvases or read from files and canvases.
import type { Picture, Rgba } from '../compute/protocol.js';

type Child = Node | string | null | undefined | false;
type Props = Record<string, string | number | boolean | EventListener | undefined>;

/** `el('button', { class: 'primary', onclick: go }, 'Run')`: attributes, `on*` listeners, children. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

/** A labelled form control: `<label>text control</label>`. */
export function field(text: string, control: HTMLElement, hint?: HTMLElement): HTMLLabelElement {
  return el('label', { class: 'field' }, el('span', {}, text), control, hint ?? null);
}

/** A float image in [0, 1] as 8-bit RGBA. */
export function pictureToImageData(picture: Picture): ImageData {
  const { width, height, channels, data } = picture;
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    for (let k = 0; k < 3; k++) rgba[4 * i + k] = Math.round(data[i * channels + (channels === 1 ? 0 : k)] * 255);
    rgba[4 * i + 3] = 255;
  }
  return new ImageData(rgba, width, height);
}

/** Draws a plain image into a canvas (resized to it); `zoom` scales its displayed size (pixelated). */
export function drawPicture(canvas: HTMLCanvasElement, picture: Picture, zoom = 1): HTMLCanvasElement {
  canvas.width = picture.width;
  canvas.height = picture.height;
  canvas.getContext('2d')!.putImageData(pictureToImageData(picture), 0, 0);
  canvas.style.width = `${picture.width * zoom}px`;
  canvas.classList.toggle('pixelated', zoom > 1);
  return canvas;
}

/** A captioned image. */
export function figure(picture: Picture, caption: string, zoom = 1): HTMLElement {
  return el('figure', {}, drawPicture(el('canvas'), picture, zoom), el('figcaption', {}, caption));
}

/** The RGBA pixels of a canvas. */
export function canvasRgba(canvas: HTMLCanvasElement): Rgba {
  const { data, width, height } = canvas
    .getContext('2d', { willReadFrequently: true })!
    .getImageData(0, 0, canvas.width, canvas.height);
  return { data, width, height };
}

/** Decodes an image file or blob to RGBA, with no colour management (the file's values as they are). */
export async function rgbaFromBlob(blob: Blob): Promise<Rgba> {
  const bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  const canvas = el('canvas', { width: bitmap.width, height: bitmap.height });
  canvas.getContext('2d', { willReadFrequently: true })!.drawImage(bitmap, 0, 0);
  bitmap.close();
  return canvasRgba(canvas);
}

/** Fetches and decodes an image. */
export async function rgbaFromUrl(url: string | URL): Promise<Rgba> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`could not load ${url}: HTTP ${response.status}`);
  return rgbaFromBlob(await response.blob());
}

/** `plural(1, 'sample')` is '1 sample', `plural(3, 'sample')` '3 samples'. */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** Seconds for people: 0.042 s, 3.1 s, 75 s. */
export function seconds(s: number): string {
  return `${s < 1 ? s.toFixed(3) : s < 10 ? s.toFixed(2) : s.toFixed(0)} s`;
}
