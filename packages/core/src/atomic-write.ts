import * as platform from '#platform';

/**
 * Writes a file so that readers see either the old content or the new, never a half-written file:
 * write a temporary file beside it, fsync, rename over the target, fsync the directory. Node only
 * (in a browser it throws: offer the bytes as a download instead).
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  return platform.writeFileAtomic(path, data);
}
