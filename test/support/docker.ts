/**
 * Test helpers for the Docker sandbox: engine gating (skip locally, fail in CI), the default
 * image, throw-away workspaces and a hash of a directory tree.
 */
import { createHash } from 'node:crypto';
import { chownSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type Docker from 'dockerode';
import { buildSandboxImage } from '../../scripts/build-sandbox-image';
import { connectEngine } from '../../src/sandbox/engine';

/**
 * Call from a `before` hook (with `this`). Resolves to the engine's client when one answers;
 * otherwise fails the suite when CI=true, or prints why and skips it.
 */
export async function requireDocker(ctx: Mocha.Context): Promise<Docker> {
  try {
    const engine = await connectEngine(undefined, 2000);
    return engine.docker;
  } catch (err) {
    const why = `no Docker engine (${(err as Error).message})`;
    if (process.env.CI === 'true') throw new Error(`CI=true and ${why}: run scripts/ensure-docker.sh before the integration tests`, { cause: err });
    console.log(`      skipped: ${why}; run scripts/ensure-docker.sh`);
    ctx.skip();
    throw new Error('unreachable', { cause: err }); // skip() throws; this keeps the type checker honest
  }
}

/** Builds the default sandbox image unless it is already there (a few seconds the first time). */
export async function ensureSandboxImage(docker: Docker): Promise<string> {
  return (await buildSandboxImage(docker)).image;
}

/** A temporary workspace with the given files (path → content), owned by uid/gid 1000 when we are root. */
export function makeWorkspace(files: Record<string, string | Buffer>): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'aios-ws-'));
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), content);
  }
  // The sandbox user edits files it can write: like a developer's own checkout.
  if (process.getuid?.() === 0) chownTree(dir, 1000, 1000);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Changes owner of a tree (not following symlinks). */
export function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  if (lstatSync(path).isDirectory()) for (const name of readdirSync(path)) chownTree(join(path, name), uid, gid);
}

/** sha256 over every path, type, mode, symlink target and file content under `dir`. */
export function hashTree(dir: string): string {
  const hash = createHash('sha256');
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const path = rel ? `${rel}/${name}` : name;
      const s = lstatSync(join(dir, path));
      hash.update(`${path}\0${s.mode}\0`);
      if (s.isSymbolicLink()) hash.update(readlinkSync(join(dir, path)));
      else if (s.isDirectory()) walk(path);
      else hash.update(readFileSync(join(dir, path)));
    }
  };
  walk('');
  return hash.digest('hex');
}

/** A unique kernel session id for one test. */
export function testSession(): string {
  return `test${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}
