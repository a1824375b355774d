/**
 * Applying an approved change set to the real workspace: all of it or nothing. Every file is
 * checked first (conflicts with the developer's own edits, refused changes); the new content is
 * written from what was captured when the diff was built (or copied from the staging layer and
 * verified against its captured sha256) into temporary files; only then are the real paths
 * replaced by renames, with every step recorded so a failure puts everything back.
 */
import { createHash } from 'node:crypto';
import { closeSync, fchmodSync, fchownSync, lchownSync, lstatSync, openSync, renameSync, symlinkSync, writeSync, type Stats } from 'node:fs';
import { chmod, lchown, lstat, mkdir, mkdtemp, open, readdir, realpath, rename, rm, rmdir, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { escapeControl } from '../text/displayText';
import { hashOf, insideRoot, type StagedChange } from './changeSet';
import { captureFast, lstatOrNull, openRegular, sha256, type Captured } from './fileCapture';
import { eachSliced } from './limit';

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
  const inside = new Map<string, Promise<boolean>>();
  const insideCached = (dir: string) => {
    let known = inside.get(dir);
    if (!known) inside.set(dir, (known = insideRoot(root, dir)));
    return known;
  };
  const checked = await eachSliced(files, async (file) => {
    if (file.refused) return { reason: file.refused, real: null };
    return conflictOf(workspace, file, baseline, deleted, insideCached);
  });
  const conflicts = checked.flatMap((c, i) => (c.reason ? [{ path: files[i].path, reason: c.reason }] : []));
  if (conflicts.length) return { applied: [], conflicts };

  const work = await mkdtemp(join(workspace, '.aios-apply-'));
  const undo: (() => Promise<unknown>)[] = [];
  try {
    // 1. New content into temporary files (same file system as the workspace, so renames are atomic).
    const writes = files.map((file, i) => ({ file, real: checked[i].real, temp: join(work, `n${i}`) })).filter((w) => w.file.status !== 'deleted');
    const asRoot = process.getuid?.() === 0;
    const dirOwners = new Map<string, Owner | null>();
    await eachSliced(writes, async ({ file, real, temp }) => {
      // Run as root (CI, containers), keep the workspace's owner instead of leaving root-owned files.
      let owner: Owner | null = null;
      if (asRoot) {
        owner = real && (real.type === 'file' || real.type === 'symlink') ? { uid: real.stats.uid, gid: real.stats.gid } : null;
        if (!owner) {
          const dir = dirname(join(workspace, file.path));
          if (!dirOwners.has(dir)) dirOwners.set(dir, ownerOf(dir));
          owner = dirOwners.get(dir)!;
        }
      }
      await materialize(file, temp, owner);
    });
    // 2. Move aside whatever the set deletes or replaces, so it can come back.
    const aside = files.filter((f) => f.beforeHash !== null && f.beforeHash !== 'directory');
    await eachSliced(aside, (file, i) => {
      const real = join(workspace, file.path);
      const backup = join(work, `b${i}`);
      renameSync(real, backup);
      undo.push(() => rename(backup, real));
    });
    // 3. Directories replaced by a file or link: empty now (their files were moved aside), so remove them.
    for (const { file } of writes.filter((w) => w.file.beforeHash === 'directory')) {
      for (const dir of await emptyTree(join(workspace, file.path), file.path)) {
        await rmdir(dir);
        undo.push(() => mkdir(dir));
      }
    }
    // 4. Parent directories, shallowest first, then the new content renamed into place.
    for (const dir of [...new Set(writes.map((w) => dirname(join(workspace, w.file.path))))].sort((a, b) => a.length - b.length)) {
      const made = await mkdir(dir, { recursive: true });
      if (made) undo.push(() => rm(made, { recursive: true, force: true }));
    }
    await eachSliced(writes, ({ file, temp }) => {
      const real = join(workspace, file.path);
      renameSync(temp, real);
      undo.push(() => unlink(real));
    });
  } catch (err) {
    for (const step of undo.reverse()) await step().catch(() => undefined);
    const path = err instanceof ApplyConflict ? err.path : files[0].path;
    const reason = err instanceof ApplyConflict ? err.message : `could not write: ${(err as Error).message}`;
    return { applied: [], conflicts: [{ path, reason: `${reason}; nothing of this change set was applied` }] };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  await eachSliced(files, (file) => {
    const after = lstatQuiet(join(workspace, file.path));
    baseline.applied.set(file.path, after ? stamp(after) : 'absent');
  });
  return { applied: files.map((f) => f.path), conflicts: [] };
}

type Owner = { uid: number; gid: number };

/** Why the real path cannot be changed as the set says (null when it is as the diff showed it), and what it is now. */
async function conflictOf(
  workspace: string, file: StagedChange, baseline: Baseline, deleted: ReadonlySet<string>, inside: (dir: string) => Promise<boolean>,
): Promise<{ reason: string | null; real: Captured | null }> {
  const realPath = join(workspace, file.path);
  // A path must not lead outside the workspace through a symlinked directory.
  if (!(await inside(dirname(realPath)))) return { reason: 'its directory leads outside the workspace (symlink)', real: null };
  const real = await captureFast(realPath);
  const stats = real.type === 'file' || real.type === 'symlink' ? real.stats : real.type === 'absent' ? null : await lstatOrNull(realPath);
  const ours = baseline.applied.get(file.path);
  const fail = (reason: string) => ({ reason, real });
  if (ours !== undefined) {
    if ((stats ? stamp(stats) : 'absent') !== ours) return fail('changed in the workspace after AIOS last applied it');
  } else if (stats && !stats.isDirectory() && Math.max(stats.mtimeMs, stats.ctimeMs) > baseline.takenAt) {
    return fail('changed in the workspace since the sandbox started');
  }
  const now = hashOf(real);
  if (now !== file.beforeHash) {
    if (file.beforeHash === null) return fail('created in the workspace since the change was proposed');
    if (now === null) return fail('deleted in the workspace since the change was proposed');
    return fail('changed in the workspace since the change was proposed');
  }
  if (now === 'directory') {
    const extra = (await filesUnder(realPath, file.path)).find((p) => !deleted.has(p));
    if (extra) return fail(`it is a directory in the workspace that still holds ${escapeControl(extra)}, which this change set does not delete`);
  }
  return { reason: null, real };
}

/** Writes the captured new state of `file` to `temp` (owned by `owner` when given); content read back from the staging layer must hash to what was shown. */
async function materialize(file: StagedChange, temp: string, owner: Owner | null): Promise<void> {
  const target = file.target;
  if (target.kind === 'symlink') {
    symlinkSync(target.target, temp);
    if (owner) lchownSync(temp, owner.uid, owner.gid);
    return;
  }
  if (target.kind !== 'file') throw new ApplyConflict(file.path, 'nothing was captured to write');
  if (!target.content) {
    await copyVerified(file, temp, target.sha256);
    await chmod(temp, target.mode);
    if (owner) await lchown(temp, owner.uid, owner.gid);
    return;
  }
  if (sha256(target.content) !== target.sha256) throw new ApplyConflict(file.path, 'the captured content does not match its hash');
  const fd = openSync(temp, 'wx', 0o600);
  try {
    for (let done = 0; done < target.content.length; ) done += writeSync(fd, target.content, done, target.content.length - done, done);
    fchmodSync(fd, target.mode);
    if (owner) fchownSync(fd, owner.uid, owner.gid);
  } finally {
    closeSync(fd);
  }
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

/** Owner of the nearest existing directory. */
function ownerOf(path: string): Owner | null {
  for (let p = path; ; p = dirname(p)) {
    const s = lstatQuiet(p);
    if (s) return { uid: s.uid, gid: s.gid };
    if (dirname(p) === p) return null;
  }
}

/** lstat that answers undefined for a missing path (also through a parent that is now a file). */
function lstatQuiet(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}
