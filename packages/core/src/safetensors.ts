import { CheckpointError } from './errors.js';
import { floatToHalf, halfToFloat } from './float16.js';
import { tf } from './tf.js';

// The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian header
// length, a JSON header { name: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: {string: string} },
// then the raw little-endian tensor bytes. PyTorch, JAX and numpy all read and write it.

/** Bytes per element of every safetensors dtype scalespace reads. */
const DTYPE_BYTES: Record<string, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

export interface HostTensor {
  dtype: 'float32' | 'int32' | 'bool';
  shape: number[];
  values: Float32Array | Int32Array | Uint8Array;
}

export interface Safetensors {
  tensors: Record<string, HostTensor>;
  metadata: Record<string, string>;
}

const ALIGN = 8;

export interface EncodeOptions {
  /**
   * Store float32 tensors as F16 (half the bytes; each value rounded to the nearest half, ties to even). They
   * read back as float32. Halves hold about 3 significant digits from 6e-5 to 65504: check what the rounding
   * costs a model before shipping it so.
   */
  float16?: boolean;
}

/** Serialises tensors (read from the backend) and string metadata into safetensors bytes. */
export async function encodeSafetensors(
  tensors: Record<string, tf.Tensor>,
  metadata: Record<string, string> = {},
  options: EncodeOptions = {},
): Promise<Uint8Array> {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const name of names) {
    const t = tensors[name];
    const values = await t.data();
    let bytes: Uint8Array;
    let dtype: string;
    if (t.dtype === 'float32' && options.float16) {
      dtype = 'F16';
      bytes = encodeHalves(values as Float32Array);
    } else if (t.dtype === 'float32') {
      dtype = 'F32';
      bytes = new Uint8Array(Float32Array.from(values as Float32Array).buffer);
    } else if (t.dtype === 'int32') {
      dtype = 'I32';
      bytes = new Uint8Array(Int32Array.from(values as Int32Array).buffer);
    } else if (t.dtype === 'bool') {
      dtype = 'BOOL';
      bytes = Uint8Array.from(values as Uint8Array);
    } else {
      throw new CheckpointError(`cannot save "${name}": dtype ${t.dtype} has no safetensors encoding here`);
    }
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((ALIGN - ((8 + json.length) % ALIGN)) % ALIGN);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

function encodeHalves(values: Float32Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setUint16(i * 2, floatToHalf(values[i]), true);
  return bytes;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Decodes `count` little-endian values of a safetensors dtype code (F32, BF16, I64, ...) into host arrays. */
export function decodeValues(dtype: string, bytes: Uint8Array, count: number, name: string): HostTensor['values'] {
  // Fast path: a copy of the bytes is an aligned buffer in the host's (little-endian) order.
  // (new Uint8Array(view) always copies; Buffer#slice would not.)
  if (LITTLE_ENDIAN && dtype === 'F32') return new Float32Array(new Uint8Array(bytes).buffer, 0, count);
  if (LITTLE_ENDIAN && dtype === 'I32') return new Int32Array(new Uint8Array(bytes).buffer, 0, count);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case 'F32': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
      return out;
    }
    case 'F64': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, true);
      return out;
    }
    case 'F16': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
      return out;
    }
    case 'BF16': {
      const out = new Float32Array(count);
      const word = new DataView(new ArrayBuffer(4));
      for (let i = 0; i < count; i++) {
        word.setUint32(0, view.getUint16(i * 2, true) << 16);
        out[i] = word.getFloat32(0);
      }
      return out;
    }
    case 'I32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, true);
      return out;
    }
    case 'I64': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const v = view.getBigInt64(i * 8, true);
        if (v > 2147483647n || v < -2147483648n) {
          throw new CheckpointError(`"${name}": int64 value ${v} does not fit the int32 tensors TensorFlow.js has`);
        }
        out[i] = Number(v);
      }
      return out;
    }
    case 'I16': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(i * 2, true);
      return out;
    }
    case 'I8': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt8(i);
      return out;
    }
    case 'U8': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getUint8(i);
      return out;
    }
    case 'BOOL':
      return Uint8Array.from(bytes.subarray(0, count));
    default:
      throw new CheckpointError(`"${name}": safetensors dtype ${dtype} is not supported`);
  }
}

/** Parses safetensors bytes, validating the header against the buffer. Floats become float32, integers int32. */
export function decodeSafetensors(bytes: Uint8Array, source = 'safetensors data'): Safetensors {
  if (bytes.length < 8) throw new CheckpointError(`${source} is truncated: ${bytes.length} bytes, no header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > bytes.length - 8) {
    throw new CheckpointError(
      `${source} is truncated or not safetensors: header of ${headerLength} bytes, file of ${bytes.length}`,
    );
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch (error) {
    throw new CheckpointError(`${source} has an unreadable header (not safetensors?)`, { cause: error });
  }
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const tensors: Record<string, HostTensor> = {};
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = entry as Record<string, string>;
      continue;
    }
    const {
      dtype,
      shape,
      data_offsets: offsets,
    } = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    const width = DTYPE_BYTES[dtype];
    if (!width) throw new CheckpointError(`${source}: "${name}" has unsupported dtype ${dtype}`);
    const count = shape.reduce((a, b) => a * b, 1);
    const [begin, end] = offsets;
    if (end - begin !== count * width || begin < 0 || end > dataLength) {
      throw new CheckpointError(
        `${source}: "${name}" claims bytes ${begin}..${end} for ${count} ${dtype} values in ${dataLength} bytes of data (truncated or corrupt)`,
      );
    }
    const values = decodeValues(dtype, bytes.subarray(dataStart + begin, dataStart + end), count, name);
    const kind = dtype === 'BOOL' ? 'bool' : values instanceof Float32Array ? 'float32' : 'int32';
    tensors[name] = { dtype: kind, shape, values };
  }
  return { tensors, metadata };
}

/** Makes tfjs tensors from decoded host tensors. The caller owns (and disposes) them. */
export function toTensors(host: Record<string, HostTensor>): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const [name, t] of Object.entries(host)) out[name] = tf.tensor(t.values, t.shape, t.dtype);
  return out;
}
