/**
 * One kernel per database: the kernel claims a lock row in one IMMEDIATE transaction (so two
 * kernels starting at the same moment cannot both see it free), keeps it fresh with a heartbeat,
 * and deletes it on a clean stop. A lock whose process is gone (same host) or whose heartbeat is
 * older than `staleMs` is taken over: a killed kernel does not block the next one.
 */
import type Database from 'better-sqlite3';
import { hostname } from 'node:os';
import { StorageError } from './errors';

/** Who holds the lock. */
export interface LockHolder {
  owner: string;
  processId: number;
  host: string;
  startedAt: number;
  heartbeatAt: number;
}

/** How often the holder refreshes the lock, and after how long without a refresh it is stale. */
export const HEARTBEAT_MS = 2_000;
export const STALE_MS = 15_000;

/** Another live kernel owns the database. */
export class KernelLockedError extends StorageError {
  constructor(path: string, readonly holder: LockHolder) {
    super(path, `another AIOS kernel (process ${holder.processId}${holder.host === hostname() ? '' : ` on ${holder.host}`}) is running on ${path}: stop it first, or use another database (--db / aios.databasePath)`);
    this.name = 'KernelLockedError';
  }
}

/** The live holder of the lock, or null (none, or stale). */
export function lockHolder(db: Database.Database, now = Date.now(), staleMs = STALE_MS): LockHolder | null {
  const row = db.prepare('SELECT owner, process_id AS processId, host, started_at AS startedAt, heartbeat_at AS heartbeatAt FROM kernel_lock WHERE id = 1').get() as LockHolder | undefined;
  if (!row || now - row.heartbeatAt > staleMs) return null;
  if (row.host !== hostname()) return row;
  // this very process: a session it opened earlier and never closed (tests, replays); not another kernel
  return row.processId === process.pid || !processAlive(row.processId) ? null : row;
}

/** A claimed lock: refresh it, release it. */
export class KernelLock {
  private timer: NodeJS.Timeout | null = null;

  private constructor(private readonly db: Database.Database, readonly owner: string, private readonly onLost: (why: string) => void) {}

  /** Claims the lock for `owner` or throws KernelLockedError naming the live holder. */
  static claim(db: Database.Database, path: string, owner: string, onLost: (why: string) => void = () => undefined): KernelLock {
    db.transaction(() => {
      const now = Date.now();
      const holder = lockHolder(db, now);
      if (holder && holder.owner !== owner) throw new KernelLockedError(path, holder);
      db.prepare('INSERT OR REPLACE INTO kernel_lock (id, owner, process_id, host, started_at, heartbeat_at) VALUES (1, ?, ?, ?, ?, ?)')
        .run(owner, process.pid, hostname(), now, now);
    }).immediate();
    const lock = new KernelLock(db, owner, onLost);
    lock.timer = setInterval(() => lock.beat(), HEARTBEAT_MS);
    lock.timer.unref();
    return lock;
  }

  /** Refreshes the heartbeat; a lock someone else took over is reported, not fought for. */
  beat(): void {
    try {
      const changed = this.db.prepare('UPDATE kernel_lock SET heartbeat_at = ? WHERE id = 1 AND owner = ?').run(Date.now(), this.owner).changes;
      if (changed === 0) {
        this.stopTimer();
        this.onLost('another kernel took over this database (this one missed its heartbeat): stop this one');
      }
    } catch {
      // busy or closing: the next beat tries again, well before the lock goes stale
    }
  }

  /** Gives the lock up (clean stop). */
  release(): void {
    this.stopTimer();
    if (!this.db.open) return;
    try {
      this.db.prepare('DELETE FROM kernel_lock WHERE id = 1 AND owner = ?').run(this.owner);
    } catch {
      // the next kernel takes over a lock whose process has gone
    }
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
