/**
 * File leases: two agents never write the same file at once. A writer takes the file's lease
 * around its write; a second writer waits in line (bounded) and then gets a conflict that names
 * the holder. Leases are re-entrant per agent and all of an agent's leases go when it ends.
 */
import { posix } from 'node:path';
import { KernelError } from '../kernel/errors';
import type { Clock } from '../kernel/ports/clock';
import type { Tool, ToolContext } from '../kernel/ports/tools';
import { systemClock } from '../kernel/ports/clock';
import type { Pid } from '../kernel/types';

/** Who holds a file's lease. */
export interface LeaseHolder {
  path: string;
  pid: Pid;
  /** what the holder is doing, e.g. `write_file` */
  purpose: string;
  /** ms since epoch */
  since: number;
}

/** A taken lease; `release` is idempotent. */
export interface Lease {
  readonly path: string;
  readonly pid: Pid;
  release(): void;
}

/** The file is leased by another agent and the wait ran out (or was not allowed). */
export class LeaseConflictError extends KernelError {
  constructor(readonly path: string, readonly holder: LeaseHolder, readonly waitedMs: number, heldMs: number, who: string) {
    super('lease_conflict',
      `${path} is being written by ${who} (${holder.purpose}, holding it for ${seconds(heldMs)} s)` +
      `${waitedMs > 0 ? `; waited ${seconds(waitedMs)} s for it` : ''}. Try again later, or work on another file.`);
    this.name = 'LeaseConflictError';
  }
}

/** Settings of the lease table. */
export interface FileLeasesOptions {
  clock?: Clock;
  /** how long a second writer waits by default (ms; default 10 s) */
  waitMs?: number;
  /** names an agent in conflict messages, e.g. `agent 3 (coder-3)` */
  describe?: (pid: Pid) => string;
  /** told about each conflict (the session turns it into a `lease.conflict` event) */
  onConflict?: (pid: Pid, holder: LeaseHolder, waitedMs: number) => void;
}

/** Per-call settings of `acquire`. */
export interface AcquireOptions {
  waitMs?: number;
  signal?: AbortSignal;
  purpose?: string;
}

interface Held extends LeaseHolder {
  depth: number;
}

interface Waiter {
  pid: Pid;
  purpose: string;
  grant: (lease: Lease) => void;
}

export const DEFAULT_LEASE_WAIT_MS = 10_000;

/** The lease table of one kernel. */
export class FileLeases {
  private readonly held = new Map<string, Held>();
  private readonly queues = new Map<string, Waiter[]>();
  private readonly writtenBy = new Map<Pid, Set<string>>();
  private readonly clock: Clock;

  constructor(private readonly options: FileLeasesOptions = {}) {
    this.clock = options.clock ?? systemClock;
  }

  /**
   * Takes the lease of `path` for `pid`, waiting in line up to `waitMs` while another agent
   * holds it. Throws LeaseConflictError naming the holder when the wait runs out.
   */
  acquire(pid: Pid, path: string, options: AcquireOptions = {}): Promise<Lease> {
    const key = normalize(path);
    const purpose = options.purpose ?? 'write';
    const now = this.tryAcquire(pid, key, purpose);
    if (now) return Promise.resolve(now);
    const waitMs = options.waitMs ?? this.options.waitMs ?? DEFAULT_LEASE_WAIT_MS;
    const started = this.clock.now();
    const holder = this.held.get(key)!;
    if (waitMs <= 0 || options.signal?.aborted) return Promise.reject(this.conflict(pid, holder, 0));
    return new Promise<Lease>((resolve, reject) => {
      const queue = this.queues.get(key) ?? [];
      const done = () => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        const i = queue.indexOf(waiter);
        if (i >= 0) queue.splice(i, 1);
        if (queue.length === 0) this.queues.delete(key);
      };
      const waiter: Waiter = { pid, purpose, grant: (lease) => { done(); resolve(lease); } };
      const giveUp = () => {
        done();
        const current = this.held.get(key) ?? holder;
        reject(this.conflict(pid, current, this.clock.now() - started));
      };
      const onAbort = () => giveUp();
      const timer = setTimeout(giveUp, waitMs);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      queue.push(waiter);
      this.queues.set(key, queue);
    });
  }

  /** Takes the lease if it is free (or already this agent's); null when another agent holds it. */
  tryAcquire(pid: Pid, path: string, purpose = 'write'): Lease | null {
    const key = normalize(path);
    const current = this.held.get(key);
    if (current && current.pid !== pid) return null;
    // a free lease with agents in line goes to the first of them, not to a newcomer
    if (!current && (this.queues.get(key)?.length ?? 0) > 0) return null;
    if (current) current.depth++;
    else this.held.set(key, { path: key, pid, purpose, since: this.clock.now(), depth: 1 });
    return this.lease(pid, key);
  }

  /** Who holds the lease of a path, if anyone. */
  holder(path: string): LeaseHolder | undefined {
    const h = this.held.get(normalize(path));
    return h && { path: h.path, pid: h.pid, purpose: h.purpose, since: h.since };
  }

  /** Every held lease (for the views). */
  list(): LeaseHolder[] {
    return [...this.held.values()].map((h) => ({ path: h.path, pid: h.pid, purpose: h.purpose, since: h.since }));
  }

  /** Releases every lease of an agent (it ended); returns how many. */
  releaseAll(pid: Pid): number {
    let n = 0;
    for (const h of [...this.held.values()]) {
      if (h.pid !== pid) continue;
      h.depth = 0;
      this.free(h.path);
      n++;
    }
    return n;
  }

  /** Records that the agent wrote a file under its lease (the planner reports these as artifacts). */
  noteWritten(pid: Pid, path: string): void {
    const set = this.writtenBy.get(pid) ?? new Set<string>();
    set.add(normalize(path));
    this.writtenBy.set(pid, set);
  }

  /** The files an agent wrote, in the order first written. */
  written(pid: Pid): string[] {
    return [...(this.writtenBy.get(pid) ?? [])];
  }

  /** Forgets what an agent wrote (after its result was collected). */
  forget(pid: Pid): void {
    this.writtenBy.delete(pid);
  }

  private lease(pid: Pid, key: string): Lease {
    let released = false;
    return {
      path: key,
      pid,
      release: () => {
        if (released) return;
        released = true;
        const h = this.held.get(key);
        if (!h || h.pid !== pid) return;
        h.depth--;
        if (h.depth <= 0) this.free(key);
      },
    };
  }

  /** Frees a lease and hands it to the first agent in line. */
  private free(key: string): void {
    this.held.delete(key);
    const next = this.queues.get(key)?.[0];
    if (!next) return;
    this.held.set(key, { path: key, pid: next.pid, purpose: next.purpose, since: this.clock.now(), depth: 1 });
    next.grant(this.lease(next.pid, key));
  }

  private conflict(pid: Pid, holder: LeaseHolder, waitedMs: number): LeaseConflictError {
    this.options.onConflict?.(pid, holder, waitedMs);
    const who = this.options.describe?.(holder.pid) ?? `agent ${holder.pid}`;
    return new LeaseConflictError(holder.path, holder, waitedMs, this.clock.now() - holder.since, who);
  }
}

function seconds(ms: number): number {
  return Math.round(Math.max(0, ms) / 100) / 10;
}

function normalize(path: string): string {
  const p = posix.normalize(path.replace(/\\/g, '/'));
  return p.startsWith('./') ? p.slice(2) : p;
}

/**
 * Wraps a file-writing tool (write_file, edit_file) so its write runs under the leases of the
 * files it changes (the paths of its `edit` approval subject), taken in path order so two
 * multi-file writers cannot deadlock. A conflict becomes an error result for the model.
 */
export function withFileLeases(tool: Tool, leases: FileLeases, waitMs?: number): Tool {
  return {
    ...tool,
    async prepare(input: unknown, context: ToolContext) {
      const prepared = await tool.prepare(input, context);
      const paths = prepared.subject.kind === 'edit' ? [...new Set(prepared.subject.files.map((f) => f.path))].sort() : [];
      return {
        subject: prepared.subject,
        run: async () => {
          const taken: Lease[] = [];
          try {
            for (const p of paths) taken.push(await leases.acquire(context.pid, p, { waitMs, signal: context.signal, purpose: tool.name }));
          } catch (err) {
            for (const l of taken) l.release();
            if (err instanceof LeaseConflictError) return { content: err.message, isError: true };
            throw err;
          }
          try {
            const outcome = await prepared.run();
            if (!outcome.isError) for (const p of paths) leases.noteWritten(context.pid, p);
            return outcome;
          } finally {
            for (const l of taken) l.release();
          }
        },
      };
    },
  };
}
