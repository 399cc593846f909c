// The values the unpickler builds besides plain data: opaque objects and globals, the whitelisted globals'
// interface, and helpers on the plain objects that stand for Python dicts.

/** An instance of a class (or the result of a callable) the reader does not interpret. */
export class PickleObject {
  /** Items appended to it (a list subclass). */
  items?: unknown[];
  /** Items set on it (a dict subclass, e.g. an EasyDict), by key. */
  entries?: Record<string, unknown>;
  constructor(
    readonly module: string,
    readonly name: string,
    readonly args: unknown[],
    public state: unknown = undefined,
  ) {}
}

/** A global (class or function) the reader does not interpret; calling it gives a `PickleObject`. */
export class PickleGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
}

/** What the unpickler tells a known global when it is called. */
export interface CallContext {
  /** Byte offset of the opcode, for error messages. */
  at: number;
  /** Registers what a later BUILD on `target` does (set its state from the pickled state). */
  onBuild(target: object, build: (state: unknown) => void): void;
  /** Puts `value` in place of every reference to `target` in the pickle's value (a placeholder resolved late). */
  replace(target: object, value: unknown): void;
}

/** A global the reader interprets: calling it (REDUCE, NEWOBJ, INST, OBJ) builds plain data. */
export class KnownGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
    readonly call: (args: unknown[], context: CallContext) => unknown,
  ) {}
}

/** Sets a dict entry without ever touching the prototype (a key "__proto__" stays a plain key). */
export function setEntry(target: Record<string, unknown>, key: unknown, value: unknown): void {
  Object.defineProperty(target, dictKey(key), { value, enumerable: true, writable: true, configurable: true });
}

/** A dict key as a JS property name: strings as they are, other keys as Python would print them. */
function dictKey(key: unknown): string {
  if (typeof key === 'string') return key;
  if (typeof key === 'number' || typeof key === 'bigint') return String(key);
  if (key === true) return 'True';
  if (key === false) return 'False';
  if (key === null) return 'None';
  if (Array.isArray(key)) return `(${key.map(dictKey).join(', ')})`;
  if (key instanceof PickleGlobal || key instanceof KnownGlobal) return `${key.module}.${key.name}`;
  return String(key);
}

/** Replaces placeholders everywhere in a value graph (containers and opaque objects are updated in place). */
export function substitute(root: unknown, replacements: Map<object, unknown>): unknown {
  if (replacements.size === 0) return root;
  const swap = (v: unknown) => (typeof v === 'object' && v !== null && replacements.has(v) ? replacements.get(v) : v);
  const seen = new Set<object>();
  const visit = (value: unknown): void => {
    if (typeof value !== 'object' || value === null || seen.has(value)) return;
    seen.add(value);
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        value[i] = swap(value[i]);
        visit(value[i]);
      }
    } else if (value instanceof PickleObject) {
      for (const part of [value.args, value.items]) if (part) visit(part);
      if (value.entries) visit(value.entries);
      value.state = swap(value.state);
      visit(value.state);
    } else if (isPlainDict(value)) {
      for (const [k, v] of Object.entries(value)) {
        setEntry(value, k, swap(v));
        visit(value[k]);
      }
    }
  };
  const top = swap(root);
  visit(top);
  return top;
}

/** A later BUILD adds to earlier state (a dict state merges; a (dict, slots) pair is kept as is). */
export function mergeState(previous: unknown, state: unknown): unknown {
  if (isPlainDict(previous) && isPlainDict(state)) {
    for (const [k, v] of Object.entries(state)) setEntry(previous, k, v);
    return previous;
  }
  return state;
}

/** A plain object made by the unpickler for a dict (not an array, tensor or other class). */
export function isPlainDict(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export function describe(value: unknown): string {
  if (value instanceof PickleObject) return `an object of ${value.module}.${value.name}`;
  if (value instanceof PickleGlobal || value instanceof KnownGlobal) return `${value.module}.${value.name}`;
  if (Array.isArray(value)) return 'a tuple or list';
  if (value === null) return 'None';
  return `a ${typeof value}`;
}
