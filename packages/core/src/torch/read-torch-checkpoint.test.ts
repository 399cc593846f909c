import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError } from '../errors.js';
import { decodeSafetensors } from '../safetensors.js';
import { PickleObject } from './pickle-objects.js';
import { readTorchCheckpoint } from './read-torch-checkpoint.js';
import { isTorchTensor } from './storage.js';

// The fixtures were written by real PyTorch (scripts/parity/torch-reader/make_fixtures.py); expected.json and
// expected.safetensors hold what PyTorch itself read back from them.
const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'torch');
const fixture = (name: string) => join(FIXTURES, name);

interface ExpectedFile {
  format: 'zip' | 'legacy';
  tensors: Record<string, { sourceDtype: string; shape: number[] }>;
  root: unknown;
}
const expected = JSON.parse(readFileSync(fixture('expected.json'), 'utf8')) as {
  files: Record<string, ExpectedFile>;
};
const expectedTensors = decodeSafetensors(readFileSync(fixture('expected.safetensors'))).tensors;

/** The JSON form of a root that make_fixtures.py writes for PyTorch's own reading of the file. */
function render(value: unknown): unknown {
  if (isTorchTensor(value)) return { $tensor: value.sourceDtype, shape: value.shape };
  if (value instanceof PickleObject) return { $object: `${value.module}.${value.name}` };
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value).toString('hex') };
  if (typeof value === 'bigint') return { $bigint: value.toString() };
  if (Array.isArray(value)) return value.map(render);
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, render(v)]));
  return value;
}

describe('readTorchCheckpoint on files written by PyTorch', () => {
  for (const [file, want] of Object.entries(expected.files)) {
    it(`reads ${file} exactly (${want.format}: every tensor, dtype, view and the root)`, async () => {
      const checkpoint = await readTorchCheckpoint(fixture(file));
      expect(checkpoint.format).toBe(want.format);
      expect(Object.keys(checkpoint.tensors).sort()).toEqual(Object.keys(want.tensors).sort());
      for (const [name, info] of Object.entries(want.tensors)) {
        const got = checkpoint.tensors[name];
        const ref = expectedTensors[`${file}:${name}`];
        expect({ name, sourceDtype: got.sourceDtype, shape: got.shape }).toEqual({ name, ...info });
        expect({ name, dtype: got.dtype }).toEqual({ name, dtype: ref.dtype });
        expect(got.values.constructor).toBe(ref.values.constructor);
        expect(Array.from(got.values), name).toEqual(Array.from(ref.values));
      }
      expect(render(checkpoint.root)).toEqual(want.root);
    });
  }

  it('keeps tensors on one storage apart and reads both (views, offsets, transposes)', async () => {
    const { tensors, root } = await readTorchCheckpoint(fixture('cases.legacy.pt'));
    const whole = Array.from(tensors['shared.whole'].values);
    expect(Array.from(tensors['shared.middle'].values)).toEqual(whole.slice(3, 7));
    // matrix = whole[:6].view(2, 3).t(): rows are whole[0], whole[3]; whole[1], whole[4]; ...
    expect(Array.from(tensors['shared.matrix'].values)).toEqual([0, 3, 1, 4, 2, 5].map((i) => whole[i]));
    // The same tensor object where the root has it.
    expect((root as { shared: { whole: unknown } }).shared.whole).toBe(tensors['shared.whole']);
  });

  it('strips DataParallel prefixes on request, for state dicts and pickled modules alike', async () => {
    const state = await readTorchCheckpoint(fixture('state-dict.zip.pt'), { stripModulePrefix: true });
    const module = await readTorchCheckpoint(fixture('module.legacy.pt'), { stripModulePrefix: true });
    const names = Object.keys(state.tensors);
    expect(names).toContain('conv.weight');
    expect(names.some((n) => n.startsWith('module.'))).toBe(false);
    expect([...names, 'extra'].sort()).toEqual(Object.keys(module.tensors).sort());
    for (const name of names) expect(state.tensors[name].values).toEqual(module.tensors[name].values);
  });

  it('reads from a Uint8Array or an ArrayBuffer as from a path', async () => {
    const bytes = readFileSync(fixture('cases.zip.pt'));
    const fromPath = await readTorchCheckpoint(fixture('cases.zip.pt'));
    const fromBytes = await readTorchCheckpoint(new Uint8Array(bytes));
    const copy = new ArrayBuffer(bytes.length);
    new Uint8Array(copy).set(bytes);
    const fromBuffer = await readTorchCheckpoint(copy);
    expect(render(fromBytes.root)).toEqual(render(fromPath.root));
    expect(fromBuffer.tensors['views.block'].values).toEqual(fromPath.tensors['views.block'].values);
  });

  it('never runs code from the file: a reduce to os.system stays an opaque object', async () => {
    const { root, tensors } = await readTorchCheckpoint(fixture('code-execution.pt'));
    const payload = (root as { payload: PickleObject }).payload;
    expect(payload).toBeInstanceOf(PickleObject);
    expect([payload.module, payload.name, payload.args]).toEqual(['posix', 'system', ['echo pwned']]);
    expect(Array.from(tensors.weight.values)).toEqual([1, 1]);
  });
});

describe('readTorchCheckpoint on bad input', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'scalespace-torch-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const fails = async (source: string | Uint8Array, pattern: RegExp) => {
    const error = await readTorchCheckpoint(source).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointError);
    expect((error as Error).message).toMatch(pattern);
  };

  it('says a truncated file is truncated, in either format', async () => {
    for (const file of ['cases.zip.pt', 'cases.legacy.pt', 'module.legacy.pt']) {
      const bytes = readFileSync(fixture(file));
      for (const keep of [0.3, 0.6, 0.97]) await fails(bytes.subarray(0, Math.floor(bytes.length * keep)), /truncated/);
    }
  });

  it('says what a file that is not a checkpoint is', async () => {
    await fails(fixture('not-a-checkpoint.bin'), /not a PyTorch checkpoint: neither a zip archive .* nor a pickle/);
    await fails(fixture('not-torch.zip'), /zip archive but not a PyTorch checkpoint: it has no data.pkl .*notes/);
    await fails(fixture('old-tar.pt'), /tar layout of PyTorch before 0\.1\.10/);
    await fails(new Uint8Array(0), /empty/);
    await fails(new Uint8Array([0x80, 0x02, 0x4b, 0x07, 0x2e]), /pickle, but without the magic number/);
    await fails(join(dir, 'missing.pt'), /no such file/);
    await fails(dir, /is a folder/);
  });

  it('names an unknown or unsupported opcode and its byte offset', async () => {
    await fails(fixture('unknown-opcode.pt'), /unknown pickle opcode 0xee .*\(pickle byte \d+\)/);
    const bytes = readFileSync(fixture('unknown-opcode.pt'));
    const ext = Uint8Array.from([...bytes.subarray(0, bytes.length - 5), 0x80, 0x02, 0x82, 0x01, 0x2e]);
    await fails(ext, /pickle opcode EXT1 \(0x82\) is not supported .*\(pickle byte \d+\)/);
  });

  it('refuses int64 values that do not fit int32, naming the tensor', async () => {
    await fails(fixture('int64-overflow.pt'), /"ids": int64 value 1099511627776 does not fit/);
  });

  it('refuses a view that reaches past its storage', async () => {
    // cases.zip.pt with the first storage record cut short inside the archive is corrupt, not a crash.
    const bytes = new Uint8Array(readFileSync(fixture('big-endian.pt')));
    const name = new TextEncoder().encode('big-endian/data/0');
    const at = Buffer.from(bytes).indexOf(Buffer.from(name));
    expect(at).toBeGreaterThan(0);
    // Shrink the central directory's compressed size of that record so the storage looks short.
    const central = Buffer.from(bytes).lastIndexOf(Buffer.from(name));
    const view = new DataView(bytes.buffer);
    const record = central - 46;
    view.setUint32(record + 20, 4, true);
    view.setUint32(record + 24, 4, true);
    const path = join(dir, 'short.pt');
    await writeFile(path, bytes);
    await fails(path, /reaches element \d+ of a .* storage of 1/);
  });
});
