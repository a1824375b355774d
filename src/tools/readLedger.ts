/**
 * Which file versions each agent has read, so an edit based on an outdated read is caught
 * before it overwrites someone else's change.
 */
import type { LedgerStore } from '../kernel/ports/ledger';
import type { Pid } from '../kernel/types';

/** Content hash per (agent pid, workspace-relative path) as of the agent's last read or write. */
export class ReadLedger {
  private readonly byPid = new Map<Pid, Map<string, string>>();

  /** With a store, what agents read survives a kernel restart (a restored agent may edit what it read before). */
  constructor(private readonly store?: LedgerStore) {
    for (const r of store?.all() ?? []) this.remember(r.pid, r.path, r.hash);
  }

  /** Notes that `pid` has seen `path` with this content hash. */
  record(pid: Pid, path: string, hash: string): void {
    this.remember(pid, path, hash);
    this.store?.put(pid, path, hash);
  }

  private remember(pid: Pid, path: string, hash: string): void {
    let files = this.byPid.get(pid);
    if (!files) this.byPid.set(pid, (files = new Map<string, string>()));
    files.set(path, hash);
  }

  /** The hash `pid` last saw for `path`, or undefined if it never read it. */
  lastSeen(pid: Pid, path: string): string | undefined {
    return this.byPid.get(pid)?.get(path);
  }

  /** Drops everything about an agent (call when it ends). */
  forget(pid: Pid): void {
    this.byPid.delete(pid);
    this.store?.drop(pid);
  }
}

export type { LedgerStore } from '../kernel/ports/ledger';
