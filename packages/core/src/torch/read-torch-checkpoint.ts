import * as platform from '#platform';
import { CheckpointError } from '../errors.js';
import { looksLikeTar, readLegacyFormat } from './legacy.js';
import type { ParsedCheckpoint, TorchTensor } from './storage.js';
import { nameTensors } from './tensor-names.js';
import { looksLikeZip } from './zip.js';
import { readZipFormat } from './zip-format.js';

export interface ReadTorchCheckpointOptions {
  /** Drop DataParallel's `module.` from tensor names (`module.conv.weight` -> `conv.weight`). */
  stripModulePrefix?: boolean;
}

/** A PyTorch checkpoint read without Python: what torch.save was given, and every tensor in it by name. */
export interface TorchCheckpoint {
  format: 'zip' | 'legacy';
  /**
   * The object torch.save was given: plain objects for dicts, arrays for lists, tuples and sets, TorchTensor
   * leaves, numbers (bigint beyond 2^53), strings, Uint8Array bytes, null, booleans, and PickleObject for
   * instances of classes the reader does not interpret (a pickled nn.Module, say).
   */
  root: unknown;
  /**
   * Every tensor reachable from the root, by dotted path: dict keys, list indices, and for pickled
   * nn.Modules the names module.state_dict() gives.
   */
  tensors: Record<string, TorchTensor>;
}

async function bytesOf(source: string | Uint8Array | ArrayBuffer): Promise<{ bytes: Uint8Array; label: string }> {
  if (source instanceof Uint8Array) return { bytes: source, label: 'the checkpoint bytes' };
  if (source instanceof ArrayBuffer) return { bytes: new Uint8Array(source), label: 'the checkpoint bytes' };
  if (typeof source !== 'string')
    throw new CheckpointError('readTorchCheckpoint needs a path, a Uint8Array or an ArrayBuffer');
  const entry = await platform.localEntry(source);
  if (entry !== 'file') {
    const why = entry === null ? 'no such file' : 'it is a folder, not a file';
    throw new CheckpointError(`cannot read PyTorch checkpoint "${source}": ${why}`);
  }
  return { bytes: await platform.readLocalFile(source), label: `"${source}"` };
}

async function parse(bytes: Uint8Array, label: string): Promise<ParsedCheckpoint> {
  if (bytes.length === 0) throw new CheckpointError(`${label} is empty: not a PyTorch checkpoint`);
  if (looksLikeZip(bytes)) return readZipFormat(bytes, label);
  if (looksLikeTar(bytes)) {
    throw new CheckpointError(
      `${label} uses the tar layout of PyTorch before 0.1.10, which this reader does not read; load it with that PyTorch and torch.save it again`,
    );
  }
  // A legacy file opens with the pickled magic number: PROTO (protocol 2+) or a protocol 0/1 LONG.
  if (bytes[0] === 0x80 || bytes[0] === 0x4c) return readLegacyFormat(bytes, label);
  throw new CheckpointError(
    `${label} is not a PyTorch checkpoint: neither a zip archive (torch >= 1.6) nor a pickle (legacy torch.save)`,
  );
}

/**
 * Reads a PyTorch checkpoint (`torch.save` output, zip or legacy format) in pure TypeScript. Nothing in the
 * file is executed: only containers, numbers, strings, tensors and a whitelist of data-only classes are
 * interpreted, and objects of other classes come back as opaque `PickleObject`s. A string is a path
 * (Node only); float tensors decode to float32, integer ones to int32 (values outside int32 are an error).
 */
export async function readTorchCheckpoint(
  source: string | Uint8Array | ArrayBuffer,
  options: ReadTorchCheckpointOptions = {},
): Promise<TorchCheckpoint> {
  const { bytes, label } = await bytesOf(source);
  const parsed = await parse(bytes, label);
  const { tensors, nameOf } = nameTensors(parsed.root, options);
  parsed.pending.materialize(
    (key) => {
      const storage = parsed.storages.get(key);
      if (!storage) throw new CheckpointError(`${label} is truncated or corrupt: storage "${key}" is missing`);
      return storage;
    },
    { bigEndian: parsed.bigEndian, nameOf: (t) => nameOf.get(t) ?? 'a tensor outside the named paths' },
  );
  return { format: parsed.format, root: parsed.root, tensors };
}
