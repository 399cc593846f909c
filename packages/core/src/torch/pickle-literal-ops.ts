import type { ByteCursor } from './byte-cursor.js';
import { decodeLong, decodeString, rawUnicodeEscape, toNumber, unquote } from './pickle-literals.js';

// Pickle's literal opcodes: None, booleans, numbers, strings and bytes, read from the stream.

/** An integer written as text (protocol 0), a number or, beyond 2^53, a bigint. */
export function parseIntLiteral(text: string, fail: (why: string) => never): number | bigint {
  if (!/^[-+]?\d+$/.test(text.trim())) fail(`integer argument "${text}" is not a number`);
  return toNumber(BigInt(text.trim()));
}

/** Reads the literal that opcode `op` introduces, or null when `op` is not a literal opcode. */
export function readLiteral(op: number, input: ByteCursor, fail: (why: string) => never): { value: unknown } | null {
  switch (op) {
    case 0x4e: // NONE
      return { value: null };
    case 0x88: // NEWTRUE
      return { value: true };
    case 0x89: // NEWFALSE
      return { value: false };
    case 0x4a: // BININT
      return { value: input.i32() };
    case 0x4b: // BININT1
      return { value: input.u8() };
    case 0x4d: // BININT2
      return { value: input.u16() };
    case 0x8a: // LONG1
      return { value: decodeLong(input.take(input.u8())) };
    case 0x8b: // LONG4
      return { value: decodeLong(input.take(input.i32())) };
    case 0x49: {
      // INT (protocol 0): "01" / "00" are True / False
      const text = input.line();
      return { value: text === '01' ? true : text === '00' ? false : parseIntLiteral(text, fail) };
    }
    case 0x4c: // LONG (protocol 0)
      return { value: parseIntLiteral(input.line().replace(/L$/, ''), fail) };
    case 0x46: {
      // FLOAT (protocol 0)
      const text = input.line();
      const v = Number(text);
      if (Number.isNaN(v) && !/^[-+]?nan$/i.test(text)) fail(`FLOAT argument "${text}" is not a number`);
      return { value: v };
    }
    case 0x47: // BINFLOAT: big-endian double
      return { value: input.f64be() };
    case 0x58: // BINUNICODE
    case 0x54: // BINSTRING (a Python 2 str)
      return { value: decodeString(input.take(op === 0x58 ? input.u32() : input.i32())) };
    case 0x8c: // SHORT_BINUNICODE
    case 0x55: // SHORT_BINSTRING
      return { value: decodeString(input.take(input.u8())) };
    case 0x8d: // BINUNICODE8
      return { value: decodeString(input.take(input.u64())) };
    case 0x56: // UNICODE (protocol 0)
      {
        const value = rawUnicodeEscape(input.take(input.lineLength()));
        input.pos++;
        return { value };
      }
    case 0x53: // STRING (protocol 0)
      return { value: decodeString(unquote(input.line(), (why) => fail(why))) };
    case 0x42: // BINBYTES
      return { value: input.take(input.u32()).slice() };
    case 0x43: // SHORT_BINBYTES
      return { value: input.take(input.u8()).slice() };
    case 0x8e: // BINBYTES8
    case 0x96: // BYTEARRAY8
      return { value: input.take(input.u64()).slice() };
    default:
      return null;
  }
}
