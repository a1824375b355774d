/**
 * Reading workspace files the way tools need them: bounded in size, binary detected, hashed
 * for stale-edit checks.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { ToolInputError } from '../kernel/ports/tools';
import type { WorkspacePath } from './paths';
import { openVerified } from './safeOpen';

/** Default limit on the bytes of one file a tool reads or edits (1 MiB). */
export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;

// Same heuristic as git: a NUL byte early in the file means binary.
const BINARY_SNIFF_BYTES = 8192;

/** The start of a file, at most `maxBytes` of it. */
export interface FileHead {
  bytes: Buffer;
  /** full size on disk */
  size: number;
  /** true when the file is larger than what was read */
  truncated: boolean;
}

/** True when the buffer looks binary (a NUL byte in its first 8 KB). */
export function isBinary(bytes: Buffer): boolean {
  return bytes.subarray(0, BINARY_SNIFF_BYTES).includes(0);
}

/** sha256 of some bytes, hex. */
export function hashBytes(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** sha256 of a whole file, streamed so huge files don't land in memory. */
export async function hashFile(abs: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(abs)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Reads at most `maxBytes` of a regular file; ToolInputError if it is missing or not a file. */
export async function readFileHead(path: WorkspacePath, maxBytes: number): Promise<FileHead> {
  const handle = await openVerified(path, 'read').catch((err: NodeJS.ErrnoException) => {
    throw err.code === 'ENOENT' ? notFound(path) : err;
  });
  try {
    const info = await handle.stat();
    if (info.isDirectory()) throw new ToolInputError(`${path.rel} is a directory, not a file; use list_dir to see what it contains`);
    if (!info.isFile()) throw new ToolInputError(`${path.rel} is not a regular file`);
    const length = Math.min(info.size, maxBytes);
    const bytes = Buffer.alloc(length);
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await handle.read(bytes, filled, length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return { bytes: bytes.subarray(0, filled), size: info.size, truncated: info.size > filled };
  } finally {
    await handle.close();
  }
}

/** The current content hash of a file, or null when it does not exist. */
export async function currentHash(abs: string): Promise<string | null> {
  try {
    if (!(await stat(abs)).isFile()) return null;
    return await hashFile(abs);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * Decodes a file head as UTF-8. When the head was cut short, the partial last line is dropped
 * so no half line (or half character) is shown as if it were content.
 */
export function decodeText(head: FileHead): string {
  if (!head.truncated) return head.bytes.toString('utf8');
  const lastNewline = head.bytes.lastIndexOf(0x0a);
  return lastNewline < 0 ? '' : head.bytes.subarray(0, lastNewline + 1).toString('utf8');
}

/** Splits text into lines; a trailing newline does not make an extra empty line. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
}

/** The standard "no such file" error, with what to do about it. */
export function notFound(path: WorkspacePath): ToolInputError {
  return new ToolInputError(`file not found: ${path.rel}; use list_dir or search_text to find the right path`);
}

/**
 * Replaces a file's content through a verified descriptor (see safeOpen): `existed` says whether
 * the version the change was based on existed (rewrite it) or not (create it, failing if someone
 * else did meanwhile).
 */
export async function writeVerified(path: WorkspacePath, content: string, existed: boolean): Promise<void> {
  const handle = await openVerified(path, existed ? 'rewrite' : 'create');
  try {
    if (!(await handle.stat()).isFile()) throw new ToolInputError(`${path.rel} is not a regular file`);
    const bytes = Buffer.from(content);
    await handle.truncate(0);
    let written = 0;
    while (written < bytes.length) written += (await handle.write(bytes, written, bytes.length - written, written)).bytesWritten;
  } finally {
    await handle.close();
  }
}
