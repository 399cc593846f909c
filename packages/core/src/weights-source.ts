import * as platform from '#platform';
import { CheckpointError, InvalidArgumentError } from './errors.js';
import { type LongWorkOptions, ProgressTracker, throwIfAborted } from './progress.js';

/**
 * Where weights (or any file scalespace reads) come from: a URL (string or `URL`), a fetch `Response`,
 * a `Blob`/`File`, the bytes themselves, or in Node a file path.
 */
export type BytesSource = string | URL | Response | Blob | ArrayBuffer | ArrayBufferView;

const FETCHED = /^(https?|data|blob):/i;

/**
 * A file shipped in a package, as `make` builds it: `() => new URL('../weights/model.safetensors',
 * import.meta.url)`, the form Vite, webpack and Parcel copy into a build. Undefined where
 * import.meta.url is not a URL (an esbuild IIFE bundle).
 */
export function packageAsset(make: () => URL): URL | undefined {
  try {
    return make();
  } catch {
    return undefined;
  }
}

/** A model package's source: the one given, else its shipped weights, else an error saying what to pass. */
export function modelSource(source: BytesSource | undefined, shipped: URL | undefined, model: string): BytesSource {
  const chosen = source ?? shipped;
  if (chosen !== undefined) return chosen;
  throw new InvalidArgumentError(
    `${model}: this bundle cannot locate the shipped weights (import.meta.url is not available); ` +
      'serve weights/model.safetensors from the package and pass its URL to load(url)',
  );
}

/** A short name of a source for error messages. */
export function sourceName(source: BytesSource): string {
  if (typeof source === 'string') return `"${source}"`;
  if (source instanceof URL) return `"${source.href}"`;
  if (typeof Response !== 'undefined' && source instanceof Response) return `"${source.url || 'a Response'}"`;
  return 'the given bytes';
}

/**
 * Reads a source's bytes. Strings are paths in Node (unless they start with http:, https:, data: or
 * blob:) and URLs in a browser. Progress is reported in bytes (`total` 0 when the server does not say).
 */
export async function readBytes(source: BytesSource, options: LongWorkOptions = {}): Promise<Uint8Array> {
  throwIfAborted(options.signal, 'reading weights');
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  if (typeof Blob !== 'undefined' && source instanceof Blob) return new Uint8Array(await source.arrayBuffer());
  if (typeof Response !== 'undefined' && source instanceof Response) return readResponse(source, options);
  if (typeof source === 'string' || source instanceof URL) {
    const href = typeof source === 'string' ? source : source.href;
    if (platform.runtime === 'node' && !FETCHED.test(href)) return platform.readLocalFile(source);
    let response: Response;
    try {
      response = await fetch(href, { signal: options.signal });
    } catch (error) {
      throwIfAborted(options.signal, 'reading weights');
      throw new CheckpointError(`cannot fetch "${href}": ${String(error)}`, { cause: error });
    }
    return readResponse(response, options);
  }
  throw new InvalidArgumentError(
    `expected a URL, a path, a Response, a Blob or bytes (ArrayBuffer, Uint8Array), got ${typeof source}`,
  );
}

async function readResponse(response: Response, options: LongWorkOptions): Promise<Uint8Array> {
  const name = response.url || 'the response';
  if (!response.ok) {
    throw new CheckpointError(
      `"${name}" answered HTTP ${response.status}; check that the file is served at that URL ` +
        '(a bundler that does not copy package assets needs the file copied beside your page)',
    );
  }
  const total = Number(response.headers.get('content-length') ?? 0) || 0;
  if (!response.body || !options.onProgress) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    options.onProgress?.({ step: bytes.length, total: total || bytes.length, etaSeconds: 0, phase: 'download' });
    return bytes;
  }
  const tracker = new ProgressTracker(total, { onProgress: options.onProgress });
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  try {
    for (;;) {
      throwIfAborted(options.signal, 'reading weights');
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      loaded += value.length;
      tracker.report(loaded, { phase: 'download' });
    }
  } catch (error) {
    throwIfAborted(options.signal, 'reading weights'); // an abort mid-body rejects the read
    throw error;
  } finally {
    reader.releaseLock();
  }
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}
