// A long action: its button, a progress bar, a cancel button, and a line that says how long it took or what went
// wrong. `data-state` (idle, running, done, error, cancelled) tells tests and styles where it stands.
import type { RunOptions } from '../compute/client.js';
import type { Progress } from '../compute/protocol.js';
import { el, seconds } from './dom.js';

/** The work behind an action: resolves to a one-line summary of the result. */
export type Work = (options: Required<RunOptions>) => Promise<string>;

export class Action {
  readonly element: HTMLElement;
  readonly button: HTMLButtonElement;
  readonly #progress = el('progress', { max: 1 });
  readonly #cancel = el('button', { type: 'button', class: 'cancel', disabled: true }, 'Cancel');
  readonly #status = el('span', { class: 'status' });
  readonly #work: Work;
  #controller: AbortController | null = null;
  #estimate: number | null = null;

  /** `name` becomes the element's `data-action`, for tests and styles. */
  constructor(name: string, label: string, work: Work) {
    this.#work = work;
    this.button = el('button', { type: 'button', class: 'primary' }, label);
    this.button.addEventListener('click', () => void this.run());
    this.#cancel.addEventListener('click', () => this.#controller?.abort());
    this.#progress.value = 0;
    this.element = el(
      'div',
      { class: 'action', 'data-action': name, 'data-state': 'idle' },
      this.button,
      this.#progress,
      this.#cancel,
      this.#status,
    );
  }

  async run(): Promise<void> {
    if (this.#controller) return;
    const controller = new AbortController();
    this.#controller = controller;
    const started = performance.now();
    this.#set('running', 'starting…');
    this.button.disabled = true;
    this.#cancel.disabled = false;
    this.#progress.removeAttribute('value');
    try {
      const summary = await this.#work({ signal: controller.signal, onProgress: (p) => this.#show(p, started) });
      this.#progress.value = 1;
      this.#set('done', `${summary} · ${seconds((performance.now() - started) / 1000)} in all`);
    } catch (error) {
      const e = error as Error;
      this.#progress.value = 0;
      if (controller.signal.aborted || e.name === 'AbortError') this.#set('cancelled', 'cancelled');
      else this.#set('error', e.message);
    } finally {
      this.#controller = null;
      this.#estimate = null;
      this.button.disabled = false;
      this.#cancel.disabled = true;
    }
  }

  #show(progress: Progress, started: number): void {
    const elapsed = () => (performance.now() - started) / 1000;
    const phase = progress.phase ? `${progress.phase} · ` : '';
    if (progress.total) {
      this.#estimate = null;
      this.#progress.value = (progress.step ?? 0) / progress.total;
      this.#status.textContent = `${phase}${progress.step ?? 0} / ${progress.total} · ${seconds(elapsed())}`;
    } else if (progress.estimateSeconds) {
      // A synchronous call in the worker cannot report steps: move the bar along its expected length.
      const from = performance.now();
      const total = progress.estimateSeconds;
      this.#estimate = total;
      const tick = () => {
        if (this.#estimate !== total) return;
        const fraction = Math.min(0.95, (performance.now() - from) / 1000 / total);
        this.#progress.value = fraction;
        this.#status.textContent = `${phase}about ${seconds(total)} expected · ${seconds(elapsed())}`;
        requestAnimationFrame(tick);
      };
      tick();
    } else {
      this.#progress.removeAttribute('value');
      this.#status.textContent = `${phase}${seconds(elapsed())}`;
    }
  }

  #set(state: string, text: string): void {
    this.element.dataset.state = state;
    this.#status.textContent = text;
  }
}
