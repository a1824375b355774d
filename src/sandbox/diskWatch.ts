/**
 * Watches a running command's writes to the staging layer, so a command cannot fill the host's
 * disk before its changes are collected. Cheap most of the time: one statfs of the staging file
 * system per tick; only when free space dropped by more than the quota since the command started
 * is the agent's upper directory measured, and the command stopped if it holds more.
 */
import { lstat, readdir, statfs } from 'node:fs/promises';
import { join } from 'node:path';

/** A running watch: `signal` aborts when the quota is exceeded. */
export interface DiskWatch {
  readonly signal: AbortSignal;
  /** bytes found in the upper directory when it was stopped, or null */
  readonly exceededBytes: number | null;
  dispose(): void;
}

/** Starts watching `upperDir` (on the file system of `stateDir`) against `quotaBytes`. */
export function watchDisk(stateDir: string, upperDir: string, quotaBytes: number, everyMs = 250): DiskWatch {
  const controller = new AbortController();
  let exceeded: number | null = null;
  let startFree: number | null = null;
  let busy = false;
  const free = async () => {
    const s = await statfs(stateDir);
    return Number(s.bavail) * Number(s.bsize);
  };
  void free().then((f) => (startFree = f), () => undefined);
  const tick = async () => {
    if (busy || startFree === null || controller.signal.aborted) return;
    busy = true;
    try {
      if (startFree - (await free()) <= quotaBytes) return;
      const used = await bytesUnder(upperDir, quotaBytes);
      if (used > quotaBytes) {
        exceeded = used;
        controller.abort();
      }
    } catch {
      // the staging directory may be gone (released meanwhile): nothing to watch
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void tick(), everyMs);
  return {
    signal: controller.signal,
    get exceededBytes() {
      return exceeded;
    },
    dispose: () => clearInterval(timer),
  };
}

/** Apparent bytes of the regular files under `dir`, stopping early once over `stopAbove`. */
async function bytesUnder(dir: string, stopAbove: number): Promise<number> {
  let total = 0;
  const walk = async (path: string): Promise<void> => {
    for (const entry of await readdir(path, { withFileTypes: true })) {
      if (total > stopAbove) return;
      const child = join(path, entry.name);
      if (entry.isDirectory()) await walk(child);
      else if (entry.isFile()) total += (await lstat(child)).size;
    }
  };
  await walk(dir);
  return total;
}
