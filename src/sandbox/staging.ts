/**
 * Per-agent staging layer: an overlay volume made by the engine with the real workspace as its
 * read-only lower layer. The container sees /workspace as usual; every write lands in the upper
 * directory, which we read back to learn what changed. No privileges needed in the caller: the
 * engine mounts it. Only for an engine on this machine (the paths must exist where it runs).
 */
import { lstat, mkdir, readdir, rm, chown, symlink } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join } from 'node:path';
import { lstatSync } from 'node:fs';
import type Docker from 'dockerode';
import { eachSliced } from './limit';
import { CollectTimeoutError } from './changeSet';

/** One agent's (or pooled container's) staging area. */
export interface Staging {
  /** engine volume name */
  volume: string;
  /** holds `lower` (symlink to the workspace), `upper`, `work` */
  dir: string;
  upperDir: string;
  /** the real workspace */
  workspace: string;
}

/** Creates the directories and the overlay volume. `owner` (uid, gid) gets the upper root so the sandbox user can write /workspace. */
export async function createStaging(docker: Docker, options: { workspace: string; dir: string; volume: string; labels: Record<string, string>; owner?: { uid: number; gid: number } }): Promise<Staging> {
  const { dir, workspace } = options;
  await mkdir(join(dir, 'upper'), { recursive: true });
  await mkdir(join(dir, 'work'), { recursive: true });
  // The mount options are comma/colon separated: a symlink keeps odd workspace paths out of them.
  await symlink(workspace, join(dir, 'lower')).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
  if (options.owner && process.getuid?.() === 0) await chown(join(dir, 'upper'), options.owner.uid, options.owner.gid);
  await docker.createVolume({
    Name: options.volume,
    Driver: 'local',
    DriverOpts: { type: 'overlay', device: 'overlay', o: `lowerdir=${join(dir, 'lower')},upperdir=${join(dir, 'upper')},workdir=${join(dir, 'work')}` },
    Labels: { ...options.labels, 'aios.state': dir },
  });
  return { volume: options.volume, dir, upperDir: join(dir, 'upper'), workspace };
}

/**
 * Empties the upper and work directories so the next agent sees the plain workspace. Only while
 * no container has the volume mounted (overlay forbids changing layers under a live mount).
 */
export async function resetStaging(staging: Staging): Promise<void> {
  for (const sub of ['upper', 'work']) {
    const path = join(staging.dir, sub);
    for (const name of await readdir(path)) await rm(join(path, name), { recursive: true, force: true });
  }
}

/** Removes the volume and its directories (best effort: the engine may already be gone). */
export async function removeStaging(docker: Docker, staging: Pick<Staging, 'volume' | 'dir'>, image?: string): Promise<void> {
  await docker.getVolume(staging.volume).remove().catch(() => undefined);
  await removeStateDir(staging.dir, image ? { docker, image } : undefined);
}

/**
 * Deletes a staging directory. The kernel makes `work/work` as root with mode 000, so an
 * unprivileged caller gets EACCES; then a throw-away container (root, default capabilities)
 * removes it through the engine, which is the one that made it.
 */
export async function removeStateDir(dir: string, viaEngine?: { docker: Docker; image: string }): Promise<void> {
  try {
    await rm(dir, { recursive: true, force: true });
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EACCES' || !viaEngine) throw err;
  }
  const { docker, image } = viaEngine;
  const container = await docker.createContainer({
    Image: image,
    User: '0:0',
    Cmd: ['rm', '-rf', '/state/work', '/state/upper'],
    HostConfig: { Binds: [`${dir}:/state`], NetworkMode: 'none', AutoRemove: false },
    Labels: { 'aios.sandbox': '1' },
  });
  try {
    await container.start();
    await container.wait();
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
  await rm(dir, { recursive: true, force: true });
}

/** What one staged path is. */
export interface StagedEntry {
  /** workspace-relative, forward slashes */
  path: string;
  /** `file`/`symlink`: new content at `stagedPath`; `deleted`: gone in the staging view */
  staged: 'file' | 'symlink' | 'deleted';
  /** where the new content is (upper dir), or null for deletions */
  stagedPath: string | null;
}

/**
 * Answers which of the given /workspace-relative paths the container can NOT see. Used to tell
 * opaque directories (deleted then re-created in the container: their lower content is hidden,
 * marked by a trusted.* xattr we cannot read unprivileged) from merged ones.
 */
export type HiddenProbe = (paths: string[]) => Promise<Set<string>>;

const isWhiteout = (s: Stats) => s.isCharacterDevice() && s.rdev === 0;

/** Every file (and symlink) under a directory, relative to `root`, prefixed with `prefix`. */
async function filesUnder(root: string, prefix: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    for (const entry of await readdir(join(root, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(child);
      else out.push(prefix ? `${prefix}/${child}` : child);
    }
  };
  await walk('');
  return out;
}

/**
 * Reads the upper layer: what the container wrote or deleted, as workspace-relative paths.
 * Whiteouts (char device 0/0) are deletions; a directory that replaced a lower file deletes
 * it, and vice versa. `ignore` holds top-level names never reported (e.g. `.git`).
 */
export async function readStaged(staging: Staging, options: { ignore?: readonly string[]; probe?: HiddenProbe; deadline?: number } = {}): Promise<StagedEntry[]> {
  const upper = staging.upperDir;
  const lower = staging.workspace;
  const ignore = new Set(options.ignore ?? []);
  const entries = new Map<string, StagedEntry>();
  const deleted = (path: string) => entries.set(path, { path, staged: 'deleted', stagedPath: null });
  /** directories present in both layers: merged, unless opaque */
  const shared: { dir: string; witness: string }[] = [];

  /** name → is a directory, for the names of one lower directory (empty when it is not a directory) */
  const lowerNames = async (rel: string): Promise<Map<string, boolean>> => {
    try {
      return new Map((await readdir(join(lower, rel), { withFileTypes: true })).map((d) => [d.name, d.isDirectory()]));
    } catch {
      return new Map();
    }
  };
  // One readdir per directory on each side (no lstat per file): 10,000 changed files cost ~200 calls, not 20,000.
  const walk = async (rel: string, lowerIsDir: boolean): Promise<void> => {
    if (options.deadline !== undefined && Date.now() > options.deadline) {
      throw new CollectTimeoutError(`collecting the command's changes took too long (${entries.size} paths read): nothing was proposed. Change fewer files per command`);
    }
    const [dirents, lowers] = await Promise.all([readdir(join(upper, rel), { withFileTypes: true }), lowerIsDir ? lowerNames(rel) : new Map<string, boolean>()]);
    const subdirs: [string, boolean][] = [];
    for (const dirent of dirents) {
      const name = dirent.name;
      const path = rel ? `${rel}/${name}` : name;
      if (!rel && ignore.has(name)) continue;
      const lowIsDir = lowers.get(name);
      const lowExists = lowIsDir !== undefined;
      if (dirent.isCharacterDevice() && isWhiteout(await lstat(join(upper, path)))) {
        if (lowIsDir) for (const f of await filesUnder(join(lower, path), path)) deleted(f);
        else if (lowExists) deleted(path);
      } else if (dirent.isDirectory()) {
        if (lowExists && !lowIsDir) deleted(path);
        subdirs.push([path, lowIsDir === true]);
      } else {
        if (lowIsDir) for (const f of await filesUnder(join(lower, path), path)) deleted(f);
        entries.set(path, { path, staged: dirent.isSymbolicLink() ? 'symlink' : 'file', stagedPath: join(upper, path) });
      }
    }
    if (rel && lowers.size) {
      const upperNames = new Set(dirents.map((d) => d.name));
      const witness = [...lowers.keys()].find((n) => !upperNames.has(n));
      if (witness) shared.push({ dir: rel, witness: `${rel}/${witness}` });
    }
    await Promise.all(subdirs.map(([path, isDir]) => walk(path, isDir)));
  };
  await walk('', true);

  if (options.probe && shared.length) {
    const hidden = await options.probe(shared.map((s) => s.witness));
    for (const { dir } of shared.filter((s) => hidden.has(s.witness))) {
      // Opaque: every lower file under it is gone unless the upper layer has it again.
      for (const f of await filesUnder(join(lower, dir), dir)) if (!entries.has(f)) deleted(f);
    }
  }
  return [...entries.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** A cheap fingerprint of the upper layer (path → stat summary), to tell what one command touched. */
export type UpperSnapshot = Map<string, string>;

/** Takes an UpperSnapshot. */
export async function snapshotUpper(staging: Staging): Promise<UpperSnapshot> {
  const snap: UpperSnapshot = new Map();
  // Short synchronous lstats in time slices (see eachSliced): run before and after every command.
  const walk = async (rel: string): Promise<void> => {
    const names = await readdir(join(staging.upperDir, rel));
    const dirs: string[] = [];
    await eachSliced(names, (name) => {
      const path = rel ? `${rel}/${name}` : name;
      const s = lstatSync(join(staging.upperDir, path));
      snap.set(path, `${s.mode}:${s.size}:${s.mtimeMs}:${s.ctimeMs}:${s.ino}`);
      if (s.isDirectory()) dirs.push(path);
    });
    for (const dir of dirs) await walk(dir);
  };
  await walk('');
  return snap;
}

/**
 * True when `path` changed in the upper layer since `before`. A path absent from both snapshots
 * was deleted through a directory above it (whiteout or opaque dir): that directory decides.
 */
export function touchedSince(before: UpperSnapshot, after: UpperSnapshot, path: string): boolean {
  let p = path;
  while (p && !before.has(p) && !after.has(p)) p = p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '';
  return p ? before.get(p) !== after.get(p) : false;
}
