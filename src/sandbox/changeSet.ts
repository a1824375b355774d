/**
 * Staged changes as reviewable diffs. What is shown is captured here, once: the bytes of small
 * files, the sha256 of large ones, the target of links, and the mode. Applying (changeApply.ts)
 * writes exactly that and nothing else, whatever happens to the staging layer in between.
 */
import { realpath } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import type { ProposedFile } from '../kernel/ports/approvals';
import { escapeControl } from '../text/displayText';
import { captureFast, contentType, looksBinary, type Captured } from './fileCapture';
import { eachSliced } from './limit';
import type { StagedEntry } from './staging';
import { formatBytes } from '../text/bytes';

export { MAX_DIFF_BYTES } from './fileCapture';

/** What a change will put at its path, as captured when the diff was built. */
export type ChangeTarget =
  | { kind: 'absent' }
  | { kind: 'file'; size: number; mode: number; sha256: string; content: Buffer | null }
  | { kind: 'symlink'; target: string };

/** A proposed file plus what applying it needs. */
export interface StagedChange extends ProposedFile {
  /** where the new content is in the staging layer (null for deletions); read again only for large files, and checked against `after` */
  stagedPath: string | null;
  /** the new state, captured */
  target: ChangeTarget;
  /** sha256 of the real file (or link target) when the diff was made, 'directory', or null when absent: re-checked before writing */
  beforeHash: string | null;
  /** set when this change must never be applied (a link leading outside, a fifo, the kernel's database): shown with the reason */
  refused: string | null;
}

/** Thrown when a command's changes are over the staging quota. */
export class StagingQuotaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StagingQuotaError';
  }
}

/** Thrown when collecting changes takes longer than allowed. */
export class CollectTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CollectTimeoutError';
  }
}

/** Limits and protections of buildChangeSet. */
export interface ChangeSetOptions {
  /** most bytes the staged files may hold together (and any one file); over it: StagingQuotaError */
  quotaBytes?: number;
  /** absolute paths a change set may never touch (the kernel's database; its -wal/-shm/-journal too) */
  untouchable?: readonly string[];
  /** ms since epoch after which collecting gives up with CollectTimeoutError */
  deadline?: number;
}

/**
 * Turns staged entries into proposed files with diffs against the real workspace. Entries whose
 * content and mode equal the real file (a `touch`, a rewrite with the same bytes) are dropped.
 */
export async function buildChangeSet(workspace: string, entries: readonly StagedEntry[], options: ChangeSetOptions = {}): Promise<StagedChange[]> {
  const quota = options.quotaBytes ?? Infinity;
  const root = await realpath(workspace);
  const untouchable = new Set((options.untouchable ?? []).flatMap((p) => [p, `${p}-wal`, `${p}-shm`, `${p}-journal`]));
  const insideCache = new Map<string, Promise<boolean>>();
  let total = 0;
  const tooLarge = (path: string) => (size: number): never => {
    throw new StagingQuotaError(`${escapeControl(path)} is ${formatBytes(size)}, over the staging quota of ${formatBytes(quota)}: nothing was proposed. Write large files outside /workspace (e.g. /tmp), or raise aios.sandbox.stagingQuotaMiB`);
  };
  const one = async (entry: StagedEntry): Promise<StagedChange | null> => {
    if (options.deadline !== undefined && Date.now() > options.deadline) {
      throw new CollectTimeoutError(`collecting the command's changes took too long (${entries.length} staged paths): nothing was proposed. Change fewer files per command`);
    }
    const realPath = join(workspace, entry.path);
    // Through a symlinked directory the "real file" would be outside the workspace: treat it as absent (and refuse at apply).
    const dir = dirname(realPath);
    let inside = insideCache.get(dir);
    if (!inside) insideCache.set(dir, (inside = insideRoot(root, dir)));
    const before: Captured = (await inside) ? await captureFast(realPath) : { type: 'absent' };
    const after: Captured = entry.staged === 'deleted' ? { type: 'absent' } : await captureFast(entry.stagedPath!, tooLarge(entry.path), quota);
    if (after.type === 'file') {
      total += after.size;
      if (total > quota) throw new StagingQuotaError(`the command's changes to /workspace hold more than the staging quota of ${formatBytes(quota)}: nothing was proposed. Write large outputs outside /workspace (e.g. /tmp), or raise aios.sandbox.stagingQuotaMiB`);
    }
    if (after.type === 'directory') return null; // a directory came and went while we looked: nothing to show
    if (entry.staged === 'deleted' && (before.type === 'absent' || before.type === 'directory')) return null;
    if (same(before, after)) return null;
    return describe(entry, before, after, refusal(entry.path, after, untouchable.has(realPath)));
  };
  const out = await eachSliced(entries, one);
  return out.filter((c): c is StagedChange => c !== null);
}

/** Why a change may never be applied, or null. */
function refusal(path: string, after: Captured, untouchable: boolean): string | null {
  if (untouchable) return "the kernel's database: a change set never touches it";
  if (after.type === 'special') return `a ${after.what}, not a regular file: not applied`;
  if (after.type === 'symlink' && !linkStaysInside(path, after.target)) return `a symlink leading outside the workspace (${escapeControl(after.target)}): not applied`;
  return null;
}

/** True when a link at workspace-relative `path` with `target` points inside the workspace (lexically; the apply step never follows it). */
export function linkStaysInside(path: string, target: string): boolean {
  if (target === '' || target.startsWith('/')) return false;
  const parts = path.split('/').slice(0, -1);
  for (const part of target.split('/')) {
    if (part === '..') {
      if (parts.length === 0) return false;
      parts.pop();
    } else if (part !== '.' && part !== '') {
      parts.push(part);
    }
  }
  return parts.length > 0;
}

function same(a: Captured, b: Captured): boolean {
  if (a.type === 'file' && b.type === 'file') return a.sha256 === b.sha256 && a.mode === b.mode;
  if (a.type === 'symlink' && b.type === 'symlink') return a.target === b.target;
  return false;
}

/** The ProposedFile and what applying it needs. */
function describe(entry: StagedEntry, before: Captured, after: Captured, refused: string | null): StagedChange {
  const shown = escapeControl(entry.path);
  const status = after.type === 'absent' ? 'deleted' : before.type === 'absent' || before.type === 'directory' ? 'added' : 'modified';
  const oldName = status === 'added' ? '/dev/null' : `a/${shown}`;
  const newName = status === 'deleted' ? '/dev/null' : `b/${shown}`;
  const beforeText = textOf(before);
  const afterText = textOf(after);
  let diff: string;
  if (beforeText !== null && afterText !== null) {
    diff = createTwoFilesPatch(oldName, newName, beforeText, afterText);
    if (before.type === 'file' && after.type === 'file' && before.mode !== after.mode) diff = `old mode ${octal(before.mode)}\nnew mode ${octal(after.mode)}\n${diff}`;
    if (beforeText === afterText && before.type === 'file' && after.type === 'file') diff = `--- ${oldName}\n+++ ${newName}\nold mode ${octal(before.mode)}\nnew mode ${octal(after.mode)}\n`;
  } else {
    diff = `--- ${oldName}\n+++ ${newName}\n${summaryLine('-', before)}${summaryLine('+', after)}`;
  }
  if (refused) diff += `! refused: ${refused}\n`;
  return {
    path: entry.path,
    status,
    diff,
    before: beforeText ?? (status === 'added' ? '' : null),
    after: afterText ?? (status === 'deleted' ? '' : null),
    stagedPath: entry.stagedPath,
    target: targetOf(after),
    beforeHash: hashOf(before),
    refused,
  };
}

/** Text content when it can be shown as a text diff: a regular, small, non-binary file. Absent is ''. */
function textOf(c: Captured): string | null {
  if (c.type === 'absent') return '';
  if (c.type === 'file' && c.content && !looksBinary(c.content)) return c.content.toString('utf8');
  return null;
}

function summaryLine(sign: '-' | '+', c: Captured): string {
  switch (c.type) {
    case 'absent':
    case 'directory':
      return '';
    case 'symlink':
      return `${sign}symlink -> ${escapeControl(c.target)}\n`;
    case 'special':
      return `${sign}${c.what} (not a regular file)\n`;
    case 'file':
      return `${sign}${contentType(c.head)}, ${formatBytes(c.size)} (${c.size} bytes), mode ${octal(c.mode)}, sha256 ${c.sha256}\n`;
  }
}

function targetOf(c: Captured): ChangeTarget {
  if (c.type === 'file') return { kind: 'file', size: c.size, mode: c.mode, sha256: c.sha256, content: c.content };
  if (c.type === 'symlink') return { kind: 'symlink', target: c.target };
  return { kind: 'absent' };
}

/** The identity of what the real path holds, re-checked before applying. */
export function hashOf(c: Captured): string | null {
  if (c.type === 'file') return `file:${c.mode.toString(8)}:${c.sha256}`;
  if (c.type === 'symlink') return `symlink:${c.target}`;
  if (c.type === 'directory') return 'directory';
  if (c.type === 'special') return `special:${c.what}`;
  return null;
}

function octal(mode: number): string {
  return `100${(mode & 0o777).toString(8).padStart(3, '0')}`;
}

/** True when the nearest existing ancestor of `dir` resolves inside `root` (a real path). */
export async function insideRoot(root: string, dir: string): Promise<boolean> {
  for (let d = dir; ; d = dirname(d)) {
    try {
      const resolved = await realpath(d);
      return resolved === root || resolved.startsWith(root + sep);
    } catch {
      if (dirname(d) === d) return false;
    }
  }
}
