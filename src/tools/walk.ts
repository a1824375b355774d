/** Depth-first, sorted, symlink-safe traversal of a workspace directory. */
import type { Dirent } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Directories that are huge and rarely what an agent wants; listed but not entered unless asked for by path. */
export const SKIPPED_DIRS: ReadonlySet<string> = new Set(['.git', 'node_modules']);

/** One entry met while walking. */
export interface WalkEntry {
  abs: string;
  /** relative to the walk's start, forward slashes */
  rel: string;
  kind: 'file' | 'dir' | 'symlink' | 'other';
  /** bytes, for files; 0 otherwise */
  size: number;
  /** 1 for the start directory's own children */
  depth: number;
  /** a directory in SKIPPED_DIRS that was not entered */
  skipped: boolean;
}

/**
 * Yields the entries under `dir` in name order, parents before children, down to `maxDepth`.
 * Symlinks are reported but never followed, so a walk cannot leave the workspace.
 */
export async function* walk(dir: string, maxDepth: number, signal?: AbortSignal, relBase = '', depth = 1): AsyncGenerator<WalkEntry> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return; // unreadable directories are left out rather than failing the whole walk
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    signal?.throwIfAborted();
    const abs = join(dir, entry.name);
    const rel = relBase ? `${relBase}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      const skipped = SKIPPED_DIRS.has(entry.name);
      yield { abs, rel, kind: 'dir', size: 0, depth, skipped };
      if (!skipped && depth < maxDepth) yield* walk(abs, maxDepth, signal, rel, depth + 1);
    } else if (entry.isFile()) {
      const size = await lstat(abs).then((s) => s.size, () => 0);
      yield { abs, rel, kind: 'file', size, depth, skipped: false };
    } else {
      yield { abs, rel, kind: entry.isSymbolicLink() ? 'symlink' : 'other', size: 0, depth, skipped: false };
    }
  }
}
