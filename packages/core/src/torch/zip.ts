import { CheckpointError } from '../errors.js';

// A minimal reader of the zip archives PyTorch writes (torch >= 1.6): the central directory (with ZIP64
// sizes and offsets), entries stored (what torch writes) or deflated (an archive a user re-zipped).
// Nothing else of the zip format is needed: no encryption, no multi-disk archives.

export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated. */
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL_ENTRY = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;

/** Whether the bytes start like a zip archive (a local file header, or an empty archive's end record). */
export function looksLikeZip(bytes: Uint8Array): boolean {
  if (bytes.length < 4) return false;
  const sig = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
  return sig === LOCAL_HEADER || sig === EOCD;
}

function u64(view: DataView, at: number, source: string): number {
  const v = view.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER))
    throw new CheckpointError(`${source}: a ZIP64 size of ${v} bytes is corrupt`);
  return Number(v);
}

/** The archive's entries, by name, from its central directory. */
export function readZipDirectory(bytes: Uint8Array, source: string): Map<string, ZipEntry> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // The end-of-central-directory record is the last 22 bytes plus a comment of up to 65535 bytes.
  let eocd = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 0xffff); at--) {
    if (view.getUint32(at, true) === EOCD) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) {
    throw new CheckpointError(
      `${source} is truncated or corrupt: a zip archive without its end-of-central-directory record`,
    );
  }
  let count = view.getUint16(eocd + 10, true);
  let dirSize = view.getUint32(eocd + 12, true);
  let dirOffset = view.getUint32(eocd + 16, true);
  const locator = eocd - 20;
  if (locator >= 0 && view.getUint32(locator, true) === ZIP64_LOCATOR) {
    const record = u64(view, locator + 8, source);
    if (record + 56 > bytes.length || view.getUint32(record, true) !== ZIP64_EOCD)
      throw new CheckpointError(`${source} is corrupt: its ZIP64 end record is missing`);
    count = u64(view, record + 32, source);
    dirSize = u64(view, record + 40, source);
    dirOffset = u64(view, record + 48, source);
  }
  if (dirOffset + dirSize > bytes.length) {
    throw new CheckpointError(
      `${source} is truncated or corrupt: its zip directory claims bytes ${dirOffset}..${dirOffset + dirSize} of ${bytes.length}`,
    );
  }
  const entries = new Map<string, ZipEntry>();
  const decoder = new TextDecoder();
  let at = dirOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== CENTRAL_ENTRY)
      throw new CheckpointError(`${source} is corrupt: zip directory entry ${i} at byte ${at} is unreadable`);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const entry: ZipEntry = {
      name: decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength)),
      method: view.getUint16(at + 10, true),
      compressedSize: view.getUint32(at + 20, true),
      size: view.getUint32(at + 24, true),
      localHeaderOffset: view.getUint32(at + 42, true),
    };
    readZip64Extra(view, at + 46 + nameLength, extraLength, entry, source);
    entries.set(entry.name, entry);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** Fills the sizes and offset that a central entry marks 0xffffffff from its ZIP64 extra field (id 1). */
function readZip64Extra(view: DataView, start: number, length: number, entry: ZipEntry, source: string): void {
  const MAX = 0xffffffff;
  let at = start;
  while (at + 4 <= start + length) {
    const id = view.getUint16(at, true);
    const size = view.getUint16(at + 2, true);
    if (id === 1) {
      let field = at + 4;
      // Only the fields whose 32-bit value overflowed are present, in this order.
      if (entry.size === MAX) {
        entry.size = u64(view, field, source);
        field += 8;
      }
      if (entry.compressedSize === MAX) {
        entry.compressedSize = u64(view, field, source);
        field += 8;
      }
      if (entry.localHeaderOffset === MAX) entry.localHeaderOffset = u64(view, field, source);
      return;
    }
    at += 4 + size;
  }
}

/** The bytes an entry's data occupies in the archive (still compressed when the entry is deflated). */
function rawEntryData(bytes: Uint8Array, entry: ZipEntry, source: string): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = entry.localHeaderOffset;
  if (at + 30 > bytes.length || view.getUint32(at, true) !== LOCAL_HEADER)
    throw new CheckpointError(`${source} is corrupt: the local header of "${entry.name}" is not at byte ${at}`);
  // The local header's name and extra lengths can differ from the central entry's (torch pads here to align).
  const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  const end = start + entry.compressedSize;
  if (end > bytes.length) {
    throw new CheckpointError(
      `${source} is truncated: "${entry.name}" needs bytes ${start}..${end}, the file has ${bytes.length}`,
    );
  }
  return bytes.subarray(start, end);
}

/** An entry's content: a view into the archive when stored, a new buffer when deflated. */
export async function readZipEntry(bytes: Uint8Array, entry: ZipEntry, source: string): Promise<Uint8Array> {
  const raw = rawEntryData(bytes, entry, source);
  if (entry.method === 0) return raw;
  if (entry.method !== 8) {
    throw new CheckpointError(
      `${source}: "${entry.name}" uses zip compression method ${entry.method}; only stored (0) and deflate (8) are supported`,
    );
  }
  if (typeof DecompressionStream === 'undefined') {
    throw new CheckpointError(
      `${source}: "${entry.name}" is deflated and this runtime has no DecompressionStream; re-zip the checkpoint without compression (zip -0)`,
    );
  }
  let inflated: ArrayBuffer;
  try {
    const stream = new Blob([raw as Uint8Array<ArrayBuffer>])
      .stream()
      .pipeThrough(new DecompressionStream('deflate-raw'));
    inflated = await new Response(stream).arrayBuffer();
  } catch (error) {
    throw new CheckpointError(`${source}: "${entry.name}" is corrupt (its deflate data does not decompress)`, {
      cause: error,
    });
  }
  if (inflated.byteLength !== entry.size) {
    throw new CheckpointError(
      `${source}: "${entry.name}" inflates to ${inflated.byteLength} bytes, its header says ${entry.size} (corrupt)`,
    );
  }
  return new Uint8Array(inflated);
}
