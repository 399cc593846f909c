// What a run directory remembers about how its run was started (the data and the options), so a
// `--resume` with other data or options is refused with the differences named, instead of silently
// continuing a different run.

/** A JSON value describing a run: the options that shape the result and a hash of its data. */
export type Fingerprint = Record<string, unknown>;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  if (v === undefined) return 'unset';
  const text = JSON.stringify(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * Every field of `now` that differs from `saved`, as `path: saved -> now` lines, leaves compared one
 * by one (arrays as a whole). Fields only in `saved` are not compared: a caller that fingerprints
 * only what the user chose (and takes the rest from the saved run) leaves the rest out of `now`.
 * Paths in `ignore` (dotted, e.g. `options.steps`) may change between runs.
 */
export function fingerprintDifferences(saved: unknown, now: unknown, ignore: readonly string[] = []): string[] {
  const out: string[] = [];
  const walk = (a: unknown, b: unknown, path: string) => {
    if (ignore.includes(path)) return;
    if (isPlainObject(b) && isPlainObject(a)) {
      for (const key of Object.keys(b)) walk(a[key], b[key], path ? `${path}.${key}` : key);
      return;
    }
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`${path || 'fingerprint'}: ${show(a)} -> ${show(b)}`);
  };
  walk(saved, now, '');
  return out;
}

type HashPart = ArrayBufferView | string;

/**
 * A short hex SHA-256 of bytes and strings (data sets, images), for fingerprints. Node and browsers. Parts may
 * come in arrays (the same hash as spread out), which a data set of many thousand images needs: a spread that
 * long overflows the call stack.
 */
export async function contentHash(...parts: Array<HashPart | HashPart[]>): Promise<string> {
  const chunks = parts
    .flat()
    .map((p) =>
      typeof p === 'string' ? new TextEncoder().encode(p) : new Uint8Array(p.buffer, p.byteOffset, p.byteLength),
    );
  const total = chunks.reduce((s, c) => s + c.length + 8, 0);
  const all = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    // Each part's length first, so ("ab", "c") and ("a", "bc") hash differently.
    new DataView(all.buffer).setBigUint64(at, BigInt(c.length), true);
    all.set(c, at + 8);
    at += c.length + 8;
  }
  const digest = await globalThis.crypto.subtle.digest('SHA-256', all);
  return Array.from(new Uint8Array(digest).slice(0, 16), (b) => b.toString(16).padStart(2, '0')).join('');
}
