/**
 * Staged changes as reviewable diffs, and applying the approved ones to the real workspace.
 * A file the developer changed in the real workspace since the agent's staging began is a
 * conflict: reported, never overwritten.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmod, copyFile, lstat, mkdir, readFile, readlink, realpath, rename, rm, symlink, unlink } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import type { ProposedFile } from '../kernel/ports';
import type { StagedEntry } from './staging';

/** Files larger than this are shown as binary: a diff nobody can review is no help. */
export const MAX_DIFF_BYTES = 1024 * 1024;

/** A proposed file plus what applying it needs. */
export interface StagedChange extends ProposedFile {
  /** new content in the staging layer (null for deletions) */
  stagedPath: string | null;
  /** file or symlink (a symlink's content is its target) */
  kind: 'file' | 'symlink';
  /** sha256 of the real file when the diff was made (null when absent): re-checked before writing */
  beforeHash: string | null;
}

/** When the agent's staging began, and what we wrote since (so our own writes are no conflict). */
export interface Baseline {
  /** ms since epoch */
  takenAt: number;
  /** path → stamp of the real file right after we applied it ('absent' after a deletion) */
  applied: Map<string, string>;
}

/** A new baseline taken now. */
export function takeBaseline(now = Date.now()): Baseline {
  return { takenAt: now, applied: new Map() };
}

/** A file that could not be applied, and why. */
export interface Conflict {
  path: string;
  reason: string;
}

/** What applyApproved did. */
export interface ApplyResult {
  applied: string[];
  conflicts: Conflict[];
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
const stamp = (s: Stats) => `${s.size}:${s.mtimeMs}:${s.ctimeMs}:${s.ino}`;

async function lstatOrNull(path: string): Promise<Stats | null> {
  try {
    return await lstat(path);
  } catch {
    return null;
  }
}

/** The real file's content as bytes (a symlink's target as text), or null when absent. */
async function readReal(path: string, stats: Stats | null): Promise<Buffer | null> {
  if (!stats) return null;
  if (stats.isSymbolicLink()) return Buffer.from(await readlink(path));
  if (!stats.isFile()) return null;
  return readFile(path);
}

function isBinary(data: Buffer): boolean {
  return data.length > MAX_DIFF_BYTES || data.subarray(0, 8000).includes(0);
}

/**
 * Turns staged entries into proposed files with unified diffs against the real workspace.
 * Entries whose content equals the real file (a `touch`, a rewrite with the same bytes) are dropped.
 */
export async function buildChangeSet(workspace: string, entries: readonly StagedEntry[]): Promise<StagedChange[]> {
  const out: StagedChange[] = [];
  for (const entry of entries) {
    const realPath = join(workspace, entry.path);
    // Through a symlinked directory the "real file" would be outside the workspace: treat it as absent.
    const inside = await insideWorkspace(workspace, dirname(realPath));
    const realStats = inside ? await lstatOrNull(realPath) : null;
    const before = await readReal(realPath, realStats);
    const kind = entry.staged === 'symlink' || (entry.staged === 'deleted' && realStats?.isSymbolicLink()) ? 'symlink' : 'file';
    let after: Buffer | null = null;
    if (entry.staged === 'file') after = await readFile(entry.stagedPath!);
    else if (entry.staged === 'symlink') after = Buffer.from(await readlink(entry.stagedPath!));
    if (entry.staged === 'deleted' && before === null) continue;
    if (before && after && before.equals(after) && (kind === 'symlink') === !!realStats?.isSymbolicLink()) continue;

    const status = entry.staged === 'deleted' ? 'deleted' : before === null ? 'added' : 'modified';
    const binary = kind === 'symlink' || (before !== null && isBinary(before)) || (after !== null && isBinary(after));
    const oldName = status === 'added' ? '/dev/null' : `a/${entry.path}`;
    const newName = status === 'deleted' ? '/dev/null' : `b/${entry.path}`;
    let diff: string;
    if (kind === 'symlink') {
      diff = `--- ${oldName}\n+++ ${newName}\n${before ? `-symlink -> ${before.toString()}\n` : ''}${after ? `+symlink -> ${after.toString()}\n` : ''}`;
    } else if (binary) {
      diff = `Binary files ${oldName} and ${newName} differ (${before?.length ?? 0} → ${after?.length ?? 0} bytes)\n`;
    } else {
      diff = createTwoFilesPatch(oldName, newName, before?.toString('utf8') ?? '', after?.toString('utf8') ?? '');
    }
    out.push({
      path: entry.path,
      status,
      diff,
      before: binary ? null : (before?.toString('utf8') ?? ''),
      after: binary ? null : (after?.toString('utf8') ?? ''),
      stagedPath: entry.stagedPath,
      kind,
      beforeHash: before ? sha256(before) : null,
    });
  }
  return out;
}

/** Why the real file cannot be overwritten, or null when it is as the agent saw it. */
async function conflictOf(workspace: string, file: StagedChange, baseline: Baseline): Promise<string | null> {
  const realPath = join(workspace, file.path);
  const real = await lstatOrNull(realPath);
  const ours = baseline.applied.get(file.path);
  if (ours !== undefined) {
    if ((real ? stamp(real) : 'absent') !== ours) return 'changed in the workspace after AIOS last applied it';
  } else if (real && Math.max(real.mtimeMs, real.ctimeMs) > baseline.takenAt) {
    return 'changed in the workspace since the sandbox started';
  }
  const content = await readReal(realPath, real);
  const hash = content ? sha256(content) : null;
  if (hash !== file.beforeHash) {
    if (file.beforeHash === null) return 'created in the workspace since the change was proposed';
    if (hash === null) return 'deleted in the workspace since the change was proposed';
    return 'changed in the workspace since the change was proposed';
  }
  // A path must not lead outside the workspace through a symlinked directory.
  if (!(await insideWorkspace(workspace, dirname(realPath)))) return 'its directory leads outside the workspace (symlink)';
  return null;
}

/** True when the nearest existing ancestor of `dir` resolves inside the workspace. */
async function insideWorkspace(workspace: string, dir: string): Promise<boolean> {
  const root = await realpath(workspace);
  for (let d = dir; ; d = dirname(d)) {
    try {
      const resolved = await realpath(d);
      return resolved === root || resolved.startsWith(root + sep);
    } catch {
      if (dirname(d) === d) return false;
    }
  }
}

/** Writes one approved change: content to a temporary sibling, then rename (atomic; replaces a symlink, never writes through it). */
async function writeOne(workspace: string, file: StagedChange): Promise<void> {
  const realPath = join(workspace, file.path);
  if (file.status === 'deleted') {
    await unlink(realPath);
    return;
  }
  await mkdir(dirname(realPath), { recursive: true });
  const tmp = `${realPath}.aios-${randomBytes(4).toString('hex')}`;
  try {
    if (file.kind === 'symlink') {
      await symlink(await readlink(file.stagedPath!), tmp);
    } else {
      await copyFile(file.stagedPath!, tmp);
      await chmod(tmp, (await lstat(file.stagedPath!)).mode & 0o777);
    }
    await rename(tmp, realPath);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Applies the given (approved) files to the real workspace; conflicting ones are skipped and reported. */
export async function applyApproved(workspace: string, files: readonly StagedChange[], baseline: Baseline): Promise<ApplyResult> {
  const result: ApplyResult = { applied: [], conflicts: [] };
  // Deletions first: a directory replaced by a file (or the reverse) must be cleared before the write.
  const ordered = [...files].sort((a, b) => Number(b.status === 'deleted') - Number(a.status === 'deleted'));
  for (const file of ordered) {
    const reason = await conflictOf(workspace, file, baseline);
    if (reason) {
      result.conflicts.push({ path: file.path, reason });
      continue;
    }
    try {
      await writeOne(workspace, file);
    } catch (err) {
      result.conflicts.push({ path: file.path, reason: `could not write: ${(err as Error).message}` });
      continue;
    }
    const after = await lstatOrNull(join(workspace, file.path));
    baseline.applied.set(file.path, after ? stamp(after) : 'absent');
    result.applied.push(file.path);
  }
  return result;
}
