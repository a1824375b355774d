/**
 * Reading one file of the staging layer (or of the real workspace) the way a reviewer must see
 * it: links are read as links and never followed, non-regular files (fifo, socket, device) are
 * never opened for reading, large files are hashed as a stream instead of loaded, and what is
 * captured (bytes or hash) is what may be applied later.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { lstat, open, readlink, type FileHandle } from 'node:fs/promises';

/** Files up to this size are captured whole (and diffed when text); larger ones are hashed only. */
export const MAX_DIFF_BYTES = 1024 * 1024;

const CHUNK = 1024 * 1024;

/** What one path is, with enough captured to show it and to apply exactly it. */
export type Captured =
  | { type: 'absent' }
  | { type: 'directory' }
  /** `content`: the bytes when size ≤ MAX_DIFF_BYTES, else null (hash only) */
  | { type: 'file'; size: number; mode: number; sha256: string; content: Buffer | null; head: Buffer; stats: Stats }
  | { type: 'symlink'; target: string; stats: Stats }
  | { type: 'special'; what: 'fifo' | 'socket' | 'character device' | 'block device' | 'unknown file type' };

/** Thrown when a file changed type or identity while it was being read (a swap in progress). */
export class CaptureRaceError extends Error {}

/** lstat that answers null for a missing path. */
export async function lstatOrNull(path: string): Promise<Stats | null> {
  try {
    return await lstat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw err;
  }
}

/** Names a non-regular, non-directory, non-link file type. */
export function specialKind(s: Stats): Extract<Captured, { type: 'special' }>['what'] {
  if (s.isFIFO()) return 'fifo';
  if (s.isSocket()) return 'socket';
  if (s.isCharacterDevice()) return 'character device';
  if (s.isBlockDevice()) return 'block device';
  return 'unknown file type';
}

/**
 * Opens a regular file without following a final symlink and without blocking on a fifo that
 * was swapped in, and checks that what was opened is the regular file `expected` described.
 */
export async function openRegular(path: string, expected?: Stats): Promise<{ handle: FileHandle; stats: Stats }> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new CaptureRaceError(`${path} is no longer a regular file`);
    if (expected && (stats.ino !== expected.ino || stats.dev !== expected.dev)) throw new CaptureRaceError(`${path} was replaced while it was read`);
    return { handle, stats };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/**
 * Captures what `path` is now, never following a final symlink and never blocking on a fifo.
 * One open + fstat + read + close for a regular file (the common case); `maxBytes` bounds its
 * size (over it: `onTooLarge` throws).
 */
export async function capture(path: string, onTooLarge?: (size: number) => never, maxBytes = Infinity): Promise<Captured> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { type: 'absent' };
    // ELOOP: the last component is a symlink (O_NOFOLLOW); ENXIO: a socket; others: look without opening.
    const s = await lstatOrNull(path);
    if (!s) return { type: 'absent' };
    if (s.isSymbolicLink()) return { type: 'symlink', target: await readlink(path), stats: s };
    if (!s.isFile() && !s.isDirectory()) return { type: 'special', what: specialKind(s) };
    throw err;
  }
  try {
    const stats = await handle.stat();
    if (stats.isDirectory()) return { type: 'directory' };
    if (!stats.isFile()) return { type: 'special', what: specialKind(stats) };
    if (stats.size > maxBytes) onTooLarge?.(stats.size);
    return { type: 'file', mode: stats.mode & 0o777, stats, ...(await readAll(handle, stats.size)) };
  } finally {
    await handle.close();
  }
}

/**
 * capture() with synchronous calls for what is small (a few microseconds each, no thread-pool
 * round trip); large files go through the asynchronous, streaming capture. Callers slice their
 * loops (eachSliced) so the event loop is never held for long.
 */
export async function captureFast(path: string, onTooLarge?: (size: number) => never, maxBytes = Infinity): Promise<Captured> {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return capture(path, onTooLarge, maxBytes); // absent, a link, a socket: the careful path
  }
  try {
    const stats = fstatSync(fd);
    if (stats.isDirectory()) return { type: 'directory' };
    if (!stats.isFile()) return { type: 'special', what: specialKind(stats) };
    if (stats.size > maxBytes) onTooLarge?.(stats.size);
    if (stats.size > MAX_DIFF_BYTES) return await capture(path, onTooLarge, maxBytes);
    const buf = Buffer.alloc(stats.size);
    let filled = 0;
    while (filled < stats.size) {
      const n = readSync(fd, buf, filled, stats.size - filled, filled);
      if (n === 0) break;
      filled += n;
    }
    const content = buf.subarray(0, filled);
    return { type: 'file', mode: stats.mode & 0o777, stats, size: filled, sha256: sha256(content), content, head: content.subarray(0, 8192) };
  } finally {
    closeSync(fd);
  }
}

/** Reads (size ≤ MAX_DIFF_BYTES) or hashes (larger) an open file; what was read is what is captured. */
async function readAll(handle: FileHandle, size: number): Promise<{ size: number; sha256: string; content: Buffer | null; head: Buffer }> {
  const hash = createHash('sha256');
  if (size <= MAX_DIFF_BYTES) {
    const buf = Buffer.alloc(size);
    let filled = 0;
    while (filled < size) {
      const { bytesRead } = await handle.read(buf, filled, size - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    const content = buf.subarray(0, filled);
    return { size: filled, sha256: hash.update(content).digest('hex'), content, head: content.subarray(0, 8192) };
  }
  const buf = Buffer.allocUnsafe(CHUNK);
  let total = 0;
  let head: Buffer = Buffer.alloc(0);
  for (;;) {
    const { bytesRead } = await handle.read(buf, 0, buf.length, null);
    if (bytesRead === 0) break;
    hash.update(buf.subarray(0, bytesRead));
    if (total === 0) head = Buffer.from(buf.subarray(0, Math.min(bytesRead, 8192)));
    total += bytesRead;
  }
  return { size: total, sha256: hash.digest('hex'), content: null, head };
}

/** sha256 of bytes, hex. */
export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** True when the head of a file looks binary (a NUL byte, as git decides). */
export function looksBinary(head: Buffer): boolean {
  return head.subarray(0, 8000).includes(0);
}

const MAGIC: [string, number[]][] = [
  ['PNG image', [0x89, 0x50, 0x4e, 0x47]],
  ['JPEG image', [0xff, 0xd8, 0xff]],
  ['GIF image', [0x47, 0x49, 0x46, 0x38]],
  ['PDF document', [0x25, 0x50, 0x44, 0x46]],
  ['ZIP archive', [0x50, 0x4b, 0x03, 0x04]],
  ['gzip archive', [0x1f, 0x8b]],
  ['ELF executable', [0x7f, 0x45, 0x4c, 0x46]],
  ['WebAssembly module', [0x00, 0x61, 0x73, 0x6d]],
];

/** What kind of content a file holds, from its first bytes: "PNG image", "text", "binary data". */
export function contentType(head: Buffer): string {
  for (const [name, magic] of MAGIC) if (magic.every((b, i) => head[i] === b)) return name;
  if (head.subarray(0, 2).toString('latin1') === '#!') return 'script';
  return looksBinary(head) ? 'binary data' : 'text';
}
