/**
 * Applying an approved change set to the real workspace: all of it or nothing. Every file is
 * checked first (conflicts with the developer's own edits, refused changes); the new content is
 * written from what was captured when the diff was built (or copied from the staging layer and
 * verified against its captured sha256) into temporary files; only then are the real paths
 * replaced by renames, with every step recorded so a failure puts everything back.
 */
import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { chmod, lchown, lstat, mkdir, mkdtemp, open, readdir, realpath, rename, rm, rmdir, symlink, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { escapeControl } from '../protocol/displayText';
import { hashOf, insideRoot, type StagedChange } from './changeSet';
import { capture, lstatOrNull, openRegular, sha256 } from './fileCapture';

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

/** What applyApproved did: every file applied, or none (and the conflicts say why). */
export interface ApplyResult {
  applied: string[];
  conflicts: Conflict[];
}

const stamp = (s: Stats) => `${s.size}:${s.mtimeMs}:${s.ctimeMs}:${s.ino}`;

/** A change that cannot be made; aborts the whole set. */
class ApplyConflict extends Error {
  constructor(readonly path: string, reason: string) {
    super(reason);
  }
}

/** Applies the approved files, all or nothing; on any conflict nothing is written and every conflict is reported. */
export async function applyApproved(workspace: string, files: readonly StagedChange[], baseline: Baseline): Promise<ApplyResult> {
  if (files.length === 0) return { applied: [], conflicts: [] };
  const root = await realpath(workspace);
  const deleted = new Set(files.filter((f) => f.status === 'deleted').map((f) => f.path));
  const conflicts: Conflict[] = [];
  for (const file of files) {
    const reason = file.refused ?? (await conflictOf(root, workspace, file, baseline, deleted));
    if (reason) conflicts.push({ path: file.path, reason });
  }
  if (conflicts.length) return { applied: [], conflicts };

  const work = await mkdtemp(join(workspace, '.aios-apply-'));
  const undo: (() => Promise<unknown>)[] = [];
  try {
    // 1. New content into temporary files (same file system as the workspace, so renames are atomic).
    const writes = files.filter((f) => f.status !== 'deleted');
    const temps = new Map<string, string>();
    const asRoot = process.getuid?.() === 0;
    for (const [i, file] of writes.entries()) {
      const temp = join(work, `n${i}`);
      await materialize(file, temp);
      // Run as root (CI, containers), keep the workspace's owner instead of leaving root-owned files.
      if (asRoot) {
        const owner = await ownerOf(join(workspace, file.path));
        if (owner) await lchown(temp, owner.uid, owner.gid);
      }
      temps.set(file.path, temp);
    }
    // 2. Move aside whatever the set deletes or replaces (deepest first), so it can come back.
    const aside = [...files].filter((f) => f.beforeHash !== null && f.beforeHash !== 'directory').sort((a, b) => b.path.length - a.path.length);
    for (const [i, file] of aside.entries()) {
      const real = join(workspace, file.path);
      const backup = join(work, `b${i}`);
      await rename(real, backup);
      undo.push(() => rename(backup, real));
    }
    // 3. Directories replaced by a file or link: empty now (their files were moved aside), so remove them.
    for (const file of writes.filter((f) => f.beforeHash === 'directory')) {
      const real = join(workspace, file.path);
      const dirs = await emptyTree(real, file.path);
      for (const dir of dirs) {
        await rmdir(dir);
        undo.push(() => mkdir(dir));
      }
    }
    // 4. Rename the new content into place, shallowest first (a file may replace a directory's parent).
    for (const file of [...writes].sort((a, b) => a.path.length - b.path.length)) {
      const real = join(workspace, file.path);
      const made = await mkdir(dirname(real), { recursive: true });
      if (made) undo.push(() => rm(made, { recursive: true, force: true }));
      await rename(temps.get(file.path)!, real);
      undo.push(() => unlink(real));
    }
  } catch (err) {
    for (const step of undo.reverse()) await step().catch(() => undefined);
    const path = err instanceof ApplyConflict ? err.path : files[0].path;
    const reason = err instanceof ApplyConflict ? err.message : `could not write: ${(err as Error).message}`;
    return { applied: [], conflicts: [{ path, reason: `${reason}; nothing of this change set was applied` }] };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  for (const file of files) {
    const after = await lstatOrNull(join(workspace, file.path));
    baseline.applied.set(file.path, after ? stamp(after) : 'absent');
  }
  return { applied: files.map((f) => f.path), conflicts: [] };
}

/** Why the real path cannot be changed as the set says, or null when it is as the diff showed it. */
async function conflictOf(root: string, workspace: string, file: StagedChange, baseline: Baseline, deleted: ReadonlySet<string>): Promise<string | null> {
  const realPath = join(workspace, file.path);
  // A path must not lead outside the workspace through a symlinked directory.
  if (!(await insideRoot(root, dirname(realPath)))) return 'its directory leads outside the workspace (symlink)';
  const real = await lstatOrNull(realPath);
  const ours = baseline.applied.get(file.path);
  if (ours !== undefined) {
    if ((real ? stamp(real) : 'absent') !== ours) return 'changed in the workspace after AIOS last applied it';
  } else if (real && !real.isDirectory() && Math.max(real.mtimeMs, real.ctimeMs) > baseline.takenAt) {
    return 'changed in the workspace since the sandbox started';
  }
  const now = hashOf(await capture(realPath));
  if (now !== file.beforeHash) {
    if (file.beforeHash === null) return 'created in the workspace since the change was proposed';
    if (now === null) return 'deleted in the workspace since the change was proposed';
    return 'changed in the workspace since the change was proposed';
  }
  if (now === 'directory') {
    const extra = (await filesUnder(realPath, file.path)).find((p) => !deleted.has(p));
    if (extra) return `it is a directory in the workspace that still holds ${escapeControl(extra)}, which this change set does not delete`;
  }
  return null;
}

/** Writes the captured new state of `file` to `temp`; content read back from the staging layer must hash to what was shown. */
async function materialize(file: StagedChange, temp: string): Promise<void> {
  const target = file.target;
  if (target.kind === 'symlink') {
    await symlink(target.target, temp);
    return;
  }
  if (target.kind !== 'file') throw new ApplyConflict(file.path, 'nothing was captured to write');
  if (target.content) {
    if (sha256(target.content) !== target.sha256) throw new ApplyConflict(file.path, 'the captured content does not match its hash');
    await writeFile(temp, target.content, { mode: 0o600 });
  } else {
    await copyVerified(file, temp, target.sha256);
  }
  await chmod(temp, target.mode);
}

/** Copies a large staged file (never through a link, never a fifo) and checks it is byte for byte what was shown. */
async function copyVerified(file: StagedChange, temp: string, expected: string): Promise<void> {
  const swapped = () => new ApplyConflict(file.path, 'changed in the sandbox after it was shown (not the reviewed bytes)');
  const source = await openRegular(file.stagedPath!).catch(() => {
    throw swapped();
  });
  const out = await open(temp, 'wx', 0o600);
  try {
    const hash = createHash('sha256');
    const buf = Buffer.allocUnsafe(1024 * 1024);
    for (;;) {
      const { bytesRead } = await source.handle.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      hash.update(buf.subarray(0, bytesRead));
      await out.write(buf, 0, bytesRead);
    }
    if (hash.digest('hex') !== expected) throw swapped();
  } finally {
    await source.handle.close();
    await out.close();
  }
}

/** The directories of an (expected empty) tree, deepest first; throws when a file is left in it. */
async function emptyTree(dir: string, rel: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) throw new ApplyConflict(`${rel}/${entry.name}`, `${escapeControl(rel)} still holds ${escapeControl(entry.name)}`);
    out.push(...(await emptyTree(join(dir, entry.name), `${rel}/${entry.name}`)));
  }
  out.push(dir);
  return out;
}

/** Every non-directory under a directory, as workspace-relative paths. */
async function filesUnder(dir: string, rel: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const child = `${rel}/${entry.name}`;
    if (entry.isDirectory() && !(await lstat(join(dir, entry.name))).isSymbolicLink()) out.push(...(await filesUnder(join(dir, entry.name), child)));
    else out.push(child);
  }
  return out;
}

/** Owner of the real path, or of its nearest existing directory. */
async function ownerOf(path: string): Promise<{ uid: number; gid: number } | null> {
  for (let p = path; ; p = dirname(p)) {
    const s = await lstatOrNull(p);
    if (s) return { uid: s.uid, gid: s.gid };
    if (dirname(p) === p) return null;
  }
}
