import { CheckpointError } from '../errors.js';
import { createGlobals } from './globals.js';
import { type UnpickleOptions, unpickle } from './pickle.js';
import { dtypeWidth, type ParsedCheckpoint, PendingTensors, StorageRef, StorageType } from './storage.js';

// The legacy format of torch.save (torch < 1.6, or _use_new_zipfile_serialization=False): pickles one
// after the other (magic number, protocol version, system info, the object, the list of storage keys),
// then each storage as an int64 element count followed by its raw bytes, in the order of that list.

const MAGIC = 0x1950a86a20f9469cfc6cn;
const PROTOCOL_VERSION = 1001;

/** Whether the bytes are a tar archive (the layout of PyTorch < 0.1.10, which the reader does not read). */
export function looksLikeTar(bytes: Uint8Array): boolean {
  return bytes.length >= 262 && new TextDecoder().decode(bytes.subarray(257, 262)) === 'ustar';
}

function headerOptions(source: string): UnpickleOptions {
  return {
    findGlobal: () => undefined,
    persistentLoad: (_pid, at) => {
      throw new CheckpointError(`${source}: a header pickle has a persistent id at byte ${at} (corrupt)`);
    },
    source,
  };
}

export function readLegacyFormat(bytes: Uint8Array, source: string): ParsedCheckpoint {
  const header = headerOptions(source);
  let magic: unknown;
  let end: number;
  try {
    ({ value: magic, end } = unpickle(bytes, 0, header));
  } catch (error) {
    if (error instanceof CheckpointError && error.message.includes('truncated')) throw error;
    magic = undefined;
    end = 0;
  }
  if (magic !== MAGIC) {
    throw new CheckpointError(
      `${source} is not a PyTorch checkpoint: a pickle, but without the magic number torch.save writes first`,
    );
  }
  const protocol = unpickle(bytes, end, header);
  if (protocol.value !== PROTOCOL_VERSION) {
    throw new CheckpointError(
      `${source}: legacy protocol version ${String(protocol.value)} is not supported (${PROTOCOL_VERSION} is)`,
    );
  }
  const sysInfo = unpickle(bytes, protocol.end, header);
  const bigEndian = (sysInfo.value as { little_endian?: unknown } | null)?.little_endian === false;

  const pending = new PendingTensors();
  const widths = new Map<string, number | undefined>();
  const persistentLoad = (pid: unknown, at: number) => {
    if (Array.isArray(pid) && pid[0] === 'module') return pid[1]; // the class of a pickled nn.Module
    if (!Array.isArray(pid) || pid[0] !== 'storage' || !(pid[1] instanceof StorageType)) {
      throw new CheckpointError(`${source}: a persistent id at pickle byte ${at} is not a storage`);
    }
    const [, type, key, , , view] = pid as [string, StorageType, unknown, unknown, unknown, unknown];
    widths.set(String(key), type.dtype && dtypeWidth(type.dtype));
    // A view of a larger storage: (view key, offset in elements, size).
    const offset = Array.isArray(view) && Number.isInteger(view[1]) ? (view[1] as number) : 0;
    return new StorageRef(String(key), type.dtype, type.name, offset);
  };
  const main = unpickle(bytes, sysInfo.end, {
    findGlobal: createGlobals((...args) => pending.add(...args)),
    persistentLoad,
    source,
  });
  const keys = unpickle(bytes, main.end, header);
  if (!Array.isArray(keys.value)) throw new CheckpointError(`${source}: the storage key list is missing (corrupt)`);

  const storages = new Map<string, Uint8Array>();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = keys.end;
  for (const rawKey of keys.value) {
    const key = String(rawKey);
    const width = widths.get(key);
    if (width === undefined)
      throw new CheckpointError(`${source}: storage "${key}" has no type the reader knows (corrupt or unsupported)`);
    if (at + 8 > bytes.length)
      throw new CheckpointError(
        `${source} is truncated: storage "${key}" should start at byte ${at}, the file has ${bytes.length}`,
      );
    const count = Number(view.getBigInt64(at, !bigEndian));
    const end = at + 8 + count * width;
    if (count < 0 || end > bytes.length) {
      throw new CheckpointError(
        `${source} is truncated: storage "${key}" needs bytes ${at + 8}..${end}, the file has ${bytes.length}`,
      );
    }
    storages.set(key, bytes.subarray(at + 8, end));
    at = end;
  }
  return { format: 'legacy', root: main.value, pending, storages, bigEndian };
}
