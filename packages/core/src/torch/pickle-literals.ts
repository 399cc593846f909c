// Decoding the literal arguments of pickle opcodes: Python ints, byte strings, protocol 0 text forms.

const utf8 = new TextDecoder('utf-8', { fatal: true });
export const latin1 = new TextDecoder('latin1');

/** A Python int as a number when it is exact, else a bigint. */
export function toNumber(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** Python's LONG1 / LONG4 encoding: little-endian two's complement. */
export function decodeLong(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) return 0;
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  if (bytes[bytes.length - 1] & 0x80) v -= 1n << BigInt(8 * bytes.length);
  return toNumber(v);
}

export function decodeString(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return latin1.decode(bytes); // Python 2 byte strings that are not UTF-8
  }
}

/** Protocol 0's STRING argument: a quoted Python literal with backslash escapes. */
export function unquote(text: string, fail: (why: string) => never): Uint8Array {
  const quote = text[0];
  if (text.length < 2 || (quote !== "'" && quote !== '"') || text[text.length - 1] !== quote)
    fail(`STRING argument ${JSON.stringify(text.slice(0, 40))} is not a quoted string`);
  const body = text.slice(1, -1);
  const out: number[] = [];
  const simple: Record<string, number> = { n: 10, r: 13, t: 9, '\\': 92, "'": 39, '"': 34, a: 7, b: 8, f: 12, v: 11 };
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') {
      out.push(body.charCodeAt(i) & 0xff);
      continue;
    }
    const e = body[++i];
    if (e in simple) out.push(simple[e]);
    else if (e === 'x') {
      out.push(Number.parseInt(body.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (e >= '0' && e <= '7') {
      const digits = /^[0-7]{1,3}/.exec(body.slice(i))?.[0] ?? e;
      out.push(Number.parseInt(digits, 8) & 0xff);
      i += digits.length - 1;
    } else out.push(92, body.charCodeAt(i));
  }
  return Uint8Array.from(out);
}

/** Protocol 0's UNICODE argument: raw-unicode-escape (latin-1 with \uXXXX and \UXXXXXXXX). */
export function rawUnicodeEscape(bytes: Uint8Array): string {
  return latin1
    .decode(bytes)
    .replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_, u: string, w: string) =>
      String.fromCodePoint(Number.parseInt(u ?? w, 16)),
    );
}
