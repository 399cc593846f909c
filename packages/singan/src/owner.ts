import { tf } from '@scalespace/core';

/**
 * The one owner of what a trainer allocates: tensors, modules, optimisers, a phase's state, the
 * tensors of a loaded checkpoint. Everything it owns is disposed once, by `dispose()`, whatever
 * happened; `release` frees one thing early (a critic replaced, a phase done) and `handOver` gives
 * one away undisposed (the trained model returned to the caller).
 */
export class Owner {
  readonly #disposers = new Map<object, () => void>();

  /** Takes `item` (anything with `dispose()`). */
  own<T extends { dispose(): void }>(item: T): T {
    this.#disposers.set(item, () => item.dispose());
    return item;
  }

  /** Takes every tensor in `tensors` (a tensor, or an array or object of them, nested). */
  ownTensors<T extends object>(tensors: T): T {
    this.#disposers.set(tensors, () => tf.dispose(tensors as tf.TensorContainer));
    return tensors;
  }

  /** Disposes `item` now (nothing when this owner does not hold it). */
  release(item: object | null | undefined): void {
    if (!item) return;
    const dispose = this.#disposers.get(item);
    this.#disposers.delete(item);
    dispose?.();
  }

  /** Gives `item` away: it is no longer disposed here. */
  handOver<T extends object>(item: T): T {
    this.#disposers.delete(item);
    return item;
  }

  /** Disposes everything still owned, the last taken first. */
  dispose(): void {
    const all = [...this.#disposers.values()].reverse();
    this.#disposers.clear();
    for (const dispose of all) dispose();
  }
}
