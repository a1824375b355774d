/**
 * Path safety for tools that touch the workspace: every path a model gives is resolved inside
 * the workspace root, through symlinks, before anything reads or writes it.
 */
import { lstat, realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ToolInputError } from '../kernel/ports/tools';

/** A path proven to lie inside the workspace. */
export interface WorkspacePath {
  /** absolute real path (symlinks resolved) to use for I/O */
  abs: string;
  /** workspace-relative path with forward slashes; '.' for the root itself */
  rel: string;
}

/** Resolves model-supplied paths against one workspace root and refuses anything outside it. */
export class WorkspacePaths {
  /** the workspace root as given (may itself be a symlink, e.g. /tmp on macOS) */
  readonly root: string;

  private readonly forbidden: Set<string>;

  /** `forbidden`: absolute files no tool may read or write (the kernel's database and its -wal/-shm/-journal). */
  constructor(root: string, forbidden: readonly string[] = []) {
    this.root = resolve(root);
    this.forbidden = new Set(forbidden.flatMap((p) => [p, `${p}-wal`, `${p}-shm`, `${p}-journal`].map((x) => resolve(x))));
  }

  /**
   * Resolves `input` (relative to the root, or absolute inside it). Throws ToolInputError for
   * `..` escapes, absolute paths elsewhere and symlinks (at any depth) that lead outside.
   * The path itself need not exist (for writes); its existing part is resolved with realpath.
   */
  async resolve(input: string): Promise<WorkspacePath> {
    if (input.includes('\0')) throw new ToolInputError(`path ${JSON.stringify(input)} contains a NUL byte`);
    const realRoot = await this.realRoot();
    const candidate = resolve(this.root, input);
    // Accept absolute paths spelled with either the given root or its real location.
    const base = isInside(this.root, candidate) ? this.root : isInside(realRoot, candidate) ? realRoot : null;
    if (base === null) {
      throw new ToolInputError(
        `path '${input}' is outside the workspace root ${this.root}; use a path inside the workspace, relative to its root (e.g. 'src/index.ts')`,
      );
    }
    const real = await realpathOfPossiblyMissing(join(realRoot, relative(base, candidate)), input);
    if (!isInside(realRoot, real)) {
      throw new ToolInputError(
        `path '${input}' goes through a symlink that resolves to ${real}, outside the workspace root ${this.root}; only files inside the workspace can be used`,
      );
    }
    if (this.forbidden.has(real) || this.forbidden.has(candidate)) {
      throw new ToolInputError(`path '${input}' is the AIOS kernel's database: no agent tool may read or change it`);
    }
    return { abs: real, rel: toPosix(relative(realRoot, real)) || '.' };
  }

  private async realRoot(): Promise<string> {
    try {
      return await realpath(this.root);
    } catch {
      throw new Error(`workspace root ${this.root} does not exist or is not readable`);
    }
  }
}

/** True when `path` is `dir` or lies under it (both absolute and normalized). */
export function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** Converts an OS path to forward slashes, as ProposedFile and rule patterns expect. */
export function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}

/**
 * realpath for a path whose tail may not exist yet: resolves the longest existing prefix and
 * appends the rest. A dangling symlink is refused, since writing through it would create its
 * target wherever it points.
 */
async function realpathOfPossiblyMissing(path: string, input: string): Promise<string> {
  const missing: string[] = [];
  let current = path;
  for (;;) {
    try {
      const real = await realpath(current);
      return missing.length ? join(real, ...missing.reverse()) : real;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR') throw new ToolInputError(`path '${input}' goes through a file as if it were a directory`);
      if (code !== 'ENOENT') throw err;
    }
    if (await isSymlink(current)) {
      throw new ToolInputError(`path '${input}' goes through a symlink whose target does not exist; use a real path inside the workspace`);
    }
    const parent = dirname(current);
    if (parent === current) throw new Error(`cannot resolve ${path}: no part of it exists`);
    missing.push(basename(current));
    current = parent;
  }
}

async function isSymlink(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isSymbolicLink();
  } catch {
    return false;
  }
}
