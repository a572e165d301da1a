// Reads a file that must be a regular one, and at most `limit` bytes of it. A
// FIFO would block the build forever and a device (/dev/zero) never ends, and
// neither has content to embed; a file that grows while it is read is caught by
// counting the bytes as they come, not by trusting its stat size.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/** A file is not regular, or holds more than the limit; `message` says which, in words. */
export class FileLimitError extends Error {
  override readonly name = 'FileLimitError';
}

const CHUNK = 1 << 20;

/**
 * The bytes of the regular file at `path`; refuses anything else, and stops
 * past `limit` bytes. Synchronous: a tree of 100,000 small files would spend
 * most of its time in the thread pool's round trips otherwise.
 */
export function readRegularFile(path: string, limit: number): Uint8Array {
  // O_NONBLOCK: opening a FIFO must not wait for a writer. It changes nothing for a regular file.
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) {
      throw new FileLimitError(`it is ${stats.isFIFO() ? 'a FIFO' : stats.isCharacterDevice() || stats.isBlockDevice() ? 'a device' : stats.isSocket() ? 'a socket' : 'not a regular file'}, not a regular file`);
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    // The stat size sizes the first read (one byte more, to see the end); a file that grows reads on in chunks.
    let want = Math.min(stats.size + 1, limit + 1);
    for (;;) {
      const chunk = new Uint8Array(want);
      const bytesRead = readSync(fd, chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > limit) throw new FileLimitError(`it holds more than ${limit} bytes`);
      chunks.push(bytesRead < chunk.length - 4096 ? chunk.slice(0, bytesRead) : chunk.subarray(0, bytesRead));
      // A short read of a regular file is its end: most files take one read, not two.
      if (bytesRead < chunk.length) break;
      want = Math.min(CHUNK, limit - total + 1);
    }
    if (chunks.length === 0) return new Uint8Array(0);
    if (chunks.length === 1) return chunks[0];
    const all = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) {
      all.set(c, at);
      at += c.length;
    }
    return all;
  } finally {
    closeSync(fd);
  }
}
