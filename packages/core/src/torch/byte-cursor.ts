import { CheckpointError } from '../errors.js';
import { latin1 } from './pickle-literals.js';

/** Reads a pickle's bytes front to back; running past the end is a "truncated" CheckpointError. */
export class ByteCursor {
  pos: number;
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #source: string;
  readonly #fail: (why: string) => never;

  constructor(bytes: Uint8Array, pos: number, source: string, fail: (why: string) => never) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = pos;
    this.#source = source;
    this.#fail = fail;
  }

  take(n: number): Uint8Array {
    if (!Number.isSafeInteger(n) || n < 0) this.#fail(`a length of ${n} is corrupt`);
    if (this.pos + n > this.#bytes.length) {
      throw new CheckpointError(
        `${this.#source} is truncated: the pickle needs ${n} more bytes at byte ${this.pos}, the data ends at ${this.#bytes.length}`,
      );
    }
    const out = this.#bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** The view offset of the next `n` bytes, consumed. */
  #at(n: number): number {
    return this.take(n).byteOffset - this.#bytes.byteOffset;
  }

  u8(): number {
    return this.take(1)[0];
  }
  u16(): number {
    return this.#view.getUint16(this.#at(2), true);
  }
  i32(): number {
    return this.#view.getInt32(this.#at(4), true);
  }
  u32(): number {
    return this.#view.getUint32(this.#at(4), true);
  }
  u64(): number {
    const v = this.#view.getBigUint64(this.#at(8), true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.#fail(`a length of ${v} is corrupt`);
    return Number(v);
  }
  /** A big-endian double (BINFLOAT). */
  f64be(): number {
    return this.#view.getFloat64(this.#at(8), false);
  }

  /** The bytes up to the next newline (not included). */
  lineLength(): number {
    const end = this.#bytes.indexOf(0x0a, this.pos);
    if (end < 0) this.take(this.#bytes.length - this.pos + 1); // throws "truncated"
    return end - this.pos;
  }

  /** A protocol 0 text argument: the line, newline consumed. */
  line(): string {
    const text = latin1.decode(this.take(this.lineLength()));
    this.pos++;
    return text.endsWith('\r') ? text.slice(0, -1) : text;
  }
}
