import { beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError } from './errors.js';
import { decodeSafetensors, encodeSafetensors } from './safetensors.js';
import { tf } from './tf.js';

/** Builds safetensors bytes by hand, the way the format's specification lays them out. */
function handMade(
  entries: Array<{ name: string; dtype: string; shape: number[]; bytes: number[] }>,
  metadata?: Record<string, string>,
) {
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const e of entries) {
    header[e.name] = { dtype: e.dtype, shape: e.shape, data_offsets: [offset, offset + e.bytes.length] };
    offset += e.bytes.length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(
    entries.flatMap((e) => e.bytes),
    8 + json.length,
  );
  return out;
}

describe('safetensors', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('round-trips float32, int32 and bool tensors exactly, with metadata', async () => {
    const tensors = {
      'a.weight': tf.tensor([
        [1.5, -2.25e-8],
        [Math.PI, 3.4e38],
      ]),
      'b.count': tf.tensor([-7, 0, 2147483647], [3], 'int32'),
      'c.mask': tf.tensor([true, false, true], [3], 'bool'),
      scalar: tf.scalar(0.1),
    };
    const bytes = await encodeSafetensors(tensors, { config: '{"x":1}' });
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLength) % 8).toBe(0); // data aligned to 8 bytes
    const { tensors: back, metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual({ config: '{"x":1}' });
    for (const [name, t] of Object.entries(tensors)) {
      expect(back[name].shape).toEqual(t.shape);
      expect(back[name].dtype).toBe(t.dtype);
      expect(Array.from(back[name].values)).toEqual(Array.from(t.dataSync()));
    }
    tf.dispose(Object.values(tensors));
  });

  it('stores float32 tensors as F16 when asked: half the bytes, values rounded to the nearest half', async () => {
    const values = [1, -2, 0.3125, 0.1, 1e-8, 70000, 2.71];
    const tensors = { w: tf.tensor(values), n: tf.tensor([3], [1], 'int32') };
    const full = await encodeSafetensors(tensors);
    const half = await encodeSafetensors(tensors, {}, { float16: true });
    const decoded = decodeSafetensors(half).tensors;
    expect(decoded.w.dtype).toBe('float32');
    expect(decoded.n.values).toEqual(new Int32Array([3])); // int tensors keep their dtype
    const rounded = Array.from(decoded.w.values);
    expect(rounded.slice(0, 3)).toEqual([1, -2, 0.3125]); // exact in binary16
    expect(rounded[3]).toBeCloseTo(0.0999755859375, 12); // the nearest half to 0.1
    expect(rounded[4]).toBe(0); // below half the smallest subnormal
    expect(rounded[5]).toBe(Number.POSITIVE_INFINITY); // above 65504
    expect(Math.abs(rounded[6] - 2.71)).toBeLessThan(2 ** -9);
    expect(full.length - half.length).toBeGreaterThanOrEqual(values.length * 2 - 8);
    tf.dispose(Object.values(tensors));
  });

  it('reads the dtypes PyTorch writes: F16, BF16, F64, I64, U8', () => {
    const f16 = [0x00, 0x3c, 0x00, 0xc0, 0x00, 0x35]; // 1, -2, 0.3125
    const bf16 = [0x80, 0x3f, 0x49, 0x40]; // 1, 3.140625
    const f64 = Array.from(new Uint8Array(new Float64Array([0.5, -1e-3]).buffer));
    const i64 = Array.from(new Uint8Array(new BigInt64Array([-5n, 123456789n]).buffer));
    const bytes = handMade([
      { name: 'h', dtype: 'F16', shape: [3], bytes: f16 },
      { name: 'b', dtype: 'BF16', shape: [2], bytes: bf16 },
      { name: 'd', dtype: 'F64', shape: [2, 1], bytes: f64 },
      { name: 'l', dtype: 'I64', shape: [2], bytes: i64 },
      { name: 'u', dtype: 'U8', shape: [2], bytes: [0, 255] },
    ]);
    const { tensors } = decodeSafetensors(bytes);
    expect(Array.from(tensors.h.values)).toEqual([1, -2, 0.3125]);
    expect(Array.from(tensors.b.values)).toEqual([1, 3.140625]);
    expect(tensors.d.values[0]).toBe(0.5);
    expect(tensors.d.values[1]).toBeCloseTo(-1e-3, 9);
    expect(tensors.d.shape).toEqual([2, 1]);
    expect(Array.from(tensors.l.values)).toEqual([-5, 123456789]);
    expect(tensors.l.dtype).toBe('int32');
    expect(Array.from(tensors.u.values)).toEqual([0, 255]);
  });

  it('rejects truncated and corrupt files with a clear error', async () => {
    const good = await encodeSafetensors({ w: tf.ones([64]) });
    expect(() => decodeSafetensors(good.subarray(0, 5))).toThrow(/truncated/);
    expect(() => decodeSafetensors(good.subarray(0, good.length - 4))).toThrow(/truncated or corrupt/);
    const badHeader = good.slice();
    badHeader[9] = 0x7b; // '{' inside the JSON: unparsable
    badHeader[10] = 0x7b;
    expect(() => decodeSafetensors(badHeader)).toThrow(CheckpointError);
    const huge = good.slice();
    new DataView(huge.buffer).setBigUint64(0, 1n << 40n, true);
    expect(() => decodeSafetensors(huge)).toThrow(/not safetensors/);
  });
});
