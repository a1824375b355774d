/**
 * Opening a workspace file so that a symlink swapped in after the path check cannot redirect
 * the read or the write: the last component is opened with O_NOFOLLOW (and O_NONBLOCK, so a
 * fifo swapped in cannot block), and the opened descriptor's real location is compared with
 * the path that was checked before any byte is read or written.
 */
import { constants } from 'node:fs';
import { open, readlink, realpath, stat, unlink, type FileHandle } from 'node:fs/promises';
import { ToolInputError } from '../kernel/ports/tools';
import type { WorkspacePath } from './paths';

/** How a file is opened: read it, rewrite an existing one, or create a new one (fails if it exists). */
export type OpenMode = 'read' | 'rewrite' | 'create';

const FLAGS: Record<OpenMode, number> = {
  read: constants.O_RDONLY,
  rewrite: constants.O_WRONLY,
  create: constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL,
};

/** Opens `path.abs` and proves the descriptor is that file; ToolInputError when it is not (a link or a swap). */
export async function openVerified(path: WorkspacePath, mode: OpenMode): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(path.abs, FLAGS[mode] | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o644);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'EMLINK') throw moved(path);
    throw err;
  }
  try {
    const where = await descriptorPath(handle, path.abs);
    if (where !== path.abs) {
      // We made this file (O_EXCL) somewhere else: take it away again.
      if (mode === 'create' && where) await unlink(where).catch(() => undefined);
      throw moved(path);
    }
    return handle;
  } catch (err) {
    await handle.close();
    throw err;
  }
}

function moved(path: WorkspacePath): ToolInputError {
  return new ToolInputError(`${path.rel} was replaced by a symlink (or moved) while it was being opened; nothing was read or written. Check the file and try again`);
}

/**
 * Where an open descriptor really is: /proc/self/fd on Linux; elsewhere the checked path, if it
 * still resolves to itself and names the same inode as the descriptor.
 */
async function descriptorPath(handle: FileHandle, expected: string): Promise<string | null> {
  if (process.platform === 'linux') {
    const where = await readlink(`/proc/self/fd/${handle.fd}`).catch(() => null);
    if (where !== null) return where.endsWith(' (deleted)') ? null : where;
  }
  const [fd, byPath, real] = await Promise.all([handle.stat(), stat(expected).catch(() => null), realpath(expected).catch(() => null)]);
  return byPath && real === expected && byPath.ino === fd.ino && byPath.dev === fd.dev ? expected : null;
}
