import { CheckpointError } from '../errors.js';
import { ByteCursor } from './byte-cursor.js';
import { parseIntLiteral, readLiteral } from './pickle-literal-ops.js';
import {
  type CallContext,
  describe,
  isPlainDict,
  KnownGlobal,
  mergeState,
  PickleGlobal,
  PickleObject,
  setEntry,
  substitute,
} from './pickle-objects.js';
import { OPCODE_NAMES } from './pickle-opcodes.js';

// The subset of Python's pickle (protocols 0 to 5) that PyTorch checkpoints use, as a data-only
// interpreter: it builds containers and numbers, and asks the caller what a global means. Nothing is ever
// executed: a global the caller does not know becomes a `PickleGlobal`, and calling or instantiating it
// gives an opaque `PickleObject` that keeps its arguments and state for inspection.

export interface UnpickleOptions {
  /** Resolves GLOBAL / STACK_GLOBAL: a KnownGlobal, a plain value (a dtype name), or undefined (opaque). */
  findGlobal(module: string, name: string): unknown;
  /** Resolves a persistent id (PERSID / BINPERSID): PyTorch's storages. */
  persistentLoad(pid: unknown, at: number): unknown;
  /** Names the pickle in error messages. */
  source: string;
}

// Python 2 module names, as pickle's fix_imports maps them.
const PY2_MODULES: Record<string, string> = { __builtin__: 'builtins', copy_reg: 'copyreg' };

/** Reads one pickle starting at `offset`; returns its value and the offset just after its STOP. */
export function unpickle(bytes: Uint8Array, offset: number, options: UnpickleOptions): { value: unknown; end: number } {
  return new Unpickler(bytes, offset, options).run();
}

class Unpickler {
  readonly #options: UnpickleOptions;
  readonly #in: ByteCursor;
  #opStart = 0;
  #stack: unknown[] = [];
  readonly #metastack: unknown[][] = [];
  readonly #memo = new Map<number, unknown>();
  readonly #builders = new WeakMap<object, (state: unknown) => void>();
  readonly #replacements = new Map<object, unknown>();
  readonly #context: CallContext;

  constructor(bytes: Uint8Array, offset: number, options: UnpickleOptions) {
    this.#options = options;
    this.#in = new ByteCursor(bytes, offset, options.source, (why) => this.#fail(why));
    const self = this;
    this.#context = {
      get at() {
        return self.#opStart;
      },
      onBuild: (target, build) => self.#builders.set(target, build),
      replace: (target, value) => self.#replacements.set(target, value),
    };
  }

  #fail(why: string): never {
    throw new CheckpointError(`${this.#options.source}: ${why} (pickle byte ${this.#opStart})`);
  }

  // (Not `this.#stack.push(this.#popMark())`: the member is read before the argument swaps the stack.)
  #push(value: unknown): void {
    this.#stack.push(value);
  }

  #pop(): unknown {
    if (this.#stack.length === 0) this.#fail('stack underflow (corrupt pickle)');
    return this.#stack.pop();
  }
  #top(): unknown {
    if (this.#stack.length === 0) this.#fail('stack underflow (corrupt pickle)');
    return this.#stack[this.#stack.length - 1];
  }
  /** The items since the last MARK; the stack below the mark becomes the stack again. */
  #popMark(): unknown[] {
    const items = this.#stack;
    const previous = this.#metastack.pop();
    if (!previous) this.#fail('MARK missing (corrupt pickle)');
    this.#stack = previous;
    return items;
  }
  #memoGet(key: number): unknown {
    if (!this.#memo.has(key)) this.#fail(`memo entry ${key} does not exist (corrupt pickle)`);
    return this.#memo.get(key);
  }

  #global(module: string, name: string): unknown {
    const mod = PY2_MODULES[module] ?? module;
    const known = this.#options.findGlobal(mod, name);
    return known === undefined ? new PickleGlobal(mod, name) : known;
  }

  /** REDUCE / NEWOBJ / INST / OBJ: a known global builds data; anything else stays an opaque object. */
  #call(callable: unknown, args: unknown): unknown {
    const list = Array.isArray(args) ? args : [args];
    if (callable instanceof KnownGlobal) return callable.call(list, this.#context);
    if (callable instanceof PickleGlobal) return new PickleObject(callable.module, callable.name, list);
    return this.#fail(`cannot call ${describe(callable)}: only globals can be called or instantiated`);
  }

  #build(target: unknown, state: unknown): void {
    if (typeof target !== 'object' || target === null) return;
    const builder = this.#builders.get(target);
    if (builder) builder(state);
    else if (target instanceof PickleObject) target.state = mergeState(target.state, state);
    // Attributes set on a dict (e.g. a state dict's `_metadata`) or a tensor are not part of the data.
  }

  #setItems(target: unknown, items: unknown[]): void {
    if (items.length % 2 !== 0) this.#fail('SETITEMS needs key/value pairs (corrupt pickle)');
    let dict: Record<string, unknown>;
    if (target instanceof PickleObject) {
      target.entries ??= {};
      dict = target.entries;
    } else if (isPlainDict(target)) dict = target;
    else this.#fail(`cannot set items on ${describe(target)}`);
    for (let i = 0; i < items.length; i += 2) setEntry(dict, items[i], items[i + 1]);
  }

  #append(target: unknown, items: unknown[]): void {
    if (Array.isArray(target)) for (const item of items) target.push(item);
    else if (target instanceof PickleObject) (target.items ??= []).push(...items);
    else this.#fail(`cannot append to ${describe(target)}`);
  }

  run(): { value: unknown; end: number } {
    for (;;) {
      this.#opStart = this.#in.pos;
      const op = this.#in.u8();
      if (op === 0x2e) return { value: substitute(this.#pop(), this.#replacements), end: this.#in.pos }; // STOP
      const literal = readLiteral(op, this.#in, (why) => this.#fail(why));
      if (literal) this.#push(literal.value);
      else if (!(this.#control(op) || this.#container(op) || this.#object(op))) this.#unsupported(op);
    }
  }

  #unsupported(op: number): never {
    const name = OPCODE_NAMES.get(op);
    const hex = `0x${op.toString(16).padStart(2, '0')}`;
    this.#fail(
      name
        ? `pickle opcode ${name} (${hex}) is not supported by this reader`
        : `unknown pickle opcode ${hex} (not a checkpoint, or a corrupt one)`,
    );
  }

  /** Framing, marks, stack and memo opcodes. */
  #control(op: number): boolean {
    switch (op) {
      case 0x98: // READONLY_BUFFER: the top stays as it is
        this.#top();
        return true;
      case 0x80: // PROTO
        if (this.#in.u8() > 5) this.#fail('pickle protocol above 5');
        return true;
      case 0x95: // FRAME: a length prefix; the data follows inline
        this.#in.take(8);
        return true;
      case 0x28: // MARK
        this.#metastack.push(this.#stack);
        this.#stack = [];
        return true;
      case 0x30: // POP
        this.#pop();
        return true;
      case 0x31: // POP_MARK
        this.#popMark();
        return true;
      case 0x32: // DUP
        this.#push(this.#top());
        return true;
      case 0x71: // BINPUT
        this.#memo.set(this.#in.u8(), this.#top());
        return true;
      case 0x72: // LONG_BINPUT
        this.#memo.set(this.#in.u32(), this.#top());
        return true;
      case 0x70: // PUT (protocol 0)
        this.#memo.set(this.#parseIndex(this.#in.line()), this.#top());
        return true;
      case 0x94: // MEMOIZE
        this.#memo.set(this.#memo.size, this.#top());
        return true;
      case 0x68: // BINGET
        this.#push(this.#memoGet(this.#in.u8()));
        return true;
      case 0x6a: // LONG_BINGET
        this.#push(this.#memoGet(this.#in.u32()));
        return true;
      case 0x67: // GET (protocol 0)
        this.#push(this.#memoGet(this.#parseIndex(this.#in.line())));
        return true;
      default:
        return false;
    }
  }

  /** Dicts, lists, tuples and sets (the last three all become arrays). */
  #container(op: number): boolean {
    switch (op) {
      case 0x7d: // EMPTY_DICT
        this.#push({});
        return true;
      case 0x64: {
        // DICT
        const dict = {};
        this.#setItems(dict, this.#popMark());
        this.#push(dict);
        return true;
      }
      case 0x73: {
        // SETITEM
        const value = this.#pop();
        const key = this.#pop();
        this.#setItems(this.#top(), [key, value]);
        return true;
      }
      case 0x75: {
        // SETITEMS
        const items = this.#popMark();
        this.#setItems(this.#top(), items);
        return true;
      }
      case 0x5d: // EMPTY_LIST
      case 0x29: // EMPTY_TUPLE
      case 0x8f: // EMPTY_SET
        this.#push([]);
        return true;
      case 0x6c: // LIST
      case 0x74: // TUPLE
      case 0x91: // FROZENSET
        this.#push(this.#popMark());
        return true;
      case 0x61: {
        // APPEND
        const item = this.#pop();
        this.#append(this.#top(), [item]);
        return true;
      }
      case 0x65: // APPENDS
      case 0x90: {
        // ADDITEMS
        const items = this.#popMark();
        this.#append(this.#top(), items);
        return true;
      }
      case 0x85: // TUPLE1
      case 0x86: // TUPLE2
      case 0x87: {
        // TUPLE3
        const items = this.#stack.splice(this.#stack.length - (op - 0x84));
        if (items.length !== op - 0x84) this.#fail('stack underflow (corrupt pickle)');
        this.#push(items);
        return true;
      }
      default:
        return false;
    }
  }

  /** Globals, calls, instances, BUILD and persistent ids. */
  #object(op: number): boolean {
    switch (op) {
      case 0x63: {
        // GLOBAL
        const module = this.#in.line();
        this.#push(this.#global(module, this.#in.line()));
        return true;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = this.#pop();
        const module = this.#pop();
        if (typeof module !== 'string' || typeof name !== 'string') this.#fail('STACK_GLOBAL needs two strings');
        this.#push(this.#global(module, name));
        return true;
      }
      case 0x52: // REDUCE: callable(*args)
      case 0x81: {
        // NEWOBJ: cls.__new__(cls, *args)
        const args = this.#pop();
        this.#push(this.#call(this.#pop(), args));
        return true;
      }
      case 0x92: {
        // NEWOBJ_EX: cls.__new__(cls, *args, **kwargs); keyword arguments are kept as a last argument
        const kwargs = this.#pop();
        const args = this.#pop();
        const list = Array.isArray(args) ? [...args] : [args];
        if (isPlainDict(kwargs) && Object.keys(kwargs).length > 0) list.push(kwargs);
        this.#push(this.#call(this.#pop(), list));
        return true;
      }
      case 0x69: {
        // INST (protocol 0): module and name inline, arguments after the mark
        const module = this.#in.line();
        const name = this.#in.line();
        const args = this.#popMark();
        this.#push(this.#call(this.#global(module, name), args));
        return true;
      }
      case 0x6f: {
        // OBJ (protocol 1): class and arguments after the mark
        const [cls, ...args] = this.#popMark();
        this.#push(this.#call(cls, args));
        return true;
      }
      case 0x62: {
        // BUILD
        const state = this.#pop();
        this.#build(this.#top(), state);
        return true;
      }
      case 0x51: // BINPERSID
        this.#push(this.#options.persistentLoad(this.#pop(), this.#opStart));
        return true;
      case 0x50: // PERSID (protocol 0): an ASCII id
        this.#push(this.#options.persistentLoad(this.#in.line(), this.#opStart));
        return true;
      default:
        return false;
    }
  }

  #parseIndex(text: string): number {
    const v = parseIntLiteral(text, (why) => this.#fail(why));
    if (typeof v !== 'number' || v < 0) this.#fail(`memo index "${text}" is corrupt`);
    return v;
  }
}
