import { CheckpointError } from '../errors.js';
import { createGlobals } from './globals.js';
import { unpickle } from './pickle.js';
import { type ParsedCheckpoint, PendingTensors, StorageRef, StorageType } from './storage.js';
import { readZipDirectory, readZipEntry } from './zip.js';

// The zip format of torch.save (torch >= 1.6): `<prefix>/data.pkl` is the pickle, whose persistent ids
// ('storage', storage type, key, location, numel) name the records `<prefix>/data/<key>` that hold the raw
// little-endian bytes (big-endian when a `<prefix>/byteorder` record says so). The prefix is `archive` in
// torch 1.x and the file's stem in newer versions; any prefix is accepted.

/** The `<prefix>/data.pkl` record: the shallowest one. */
function findDataPickle(names: string[]): string | undefined {
  const candidates = names.filter((n) => n === 'data.pkl' || n.endsWith('/data.pkl'));
  return candidates.sort((a, b) => a.split('/').length - b.split('/').length)[0];
}

export async function readZipFormat(bytes: Uint8Array, source: string): Promise<ParsedCheckpoint> {
  const entries = readZipDirectory(bytes, source);
  const pickleName = findDataPickle([...entries.keys()]);
  if (!pickleName) {
    const listed = [...entries.keys()].slice(0, 5).join(', ');
    throw new CheckpointError(
      `${source} is a zip archive but not a PyTorch checkpoint: it has no data.pkl record (entries: ${listed || 'none'})`,
    );
  }
  const prefix = pickleName.slice(0, -'data.pkl'.length);
  const byteorderEntry = entries.get(`${prefix}byteorder`);
  const byteorder = byteorderEntry
    ? new TextDecoder().decode(await readZipEntry(bytes, byteorderEntry, source)).trim()
    : 'little';
  if (byteorder !== 'little' && byteorder !== 'big')
    throw new CheckpointError(`${source}: its byteorder record says "${byteorder}" (expected little or big)`);

  const pending = new PendingTensors();
  const persistentLoad = (pid: unknown, at: number) => {
    if (!Array.isArray(pid) || pid[0] !== 'storage' || !(pid[1] instanceof StorageType)) {
      throw new CheckpointError(
        `${source}: a persistent id at pickle byte ${at} is not a storage ('storage', type, key, location, numel)`,
      );
    }
    return new StorageRef(String(pid[2]), pid[1].dtype, pid[1].name);
  };
  const pickleBytes = await readZipEntry(
    bytes,
    entries.get(pickleName) as NonNullable<ReturnType<typeof entries.get>>,
    source,
  );
  const { value: root } = unpickle(pickleBytes, 0, {
    findGlobal: createGlobals((...args) => pending.add(...args)),
    persistentLoad,
    source: `${source} (${pickleName})`,
  });
  const storages = new Map<string, Uint8Array>();
  for (const key of pending.keys()) {
    const entry = entries.get(`${prefix}data/${key}`);
    if (!entry)
      throw new CheckpointError(
        `${source} is truncated or corrupt: the storage record ${prefix}data/${key} is missing`,
      );
    storages.set(key, await readZipEntry(bytes, entry, source));
  }
  return { format: 'zip', root, pending, storages, bigEndian: byteorder === 'big' };
}
