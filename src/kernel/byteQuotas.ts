import { InvalidArgumentError, KernelError } from './errors';
import type { Pid } from './types';

/** The result of an allocation: ok, or why not. */
export type Allocation = { ok: true } | { ok: false; reason: string };

/** One agent's memory account. */
export interface QuotaAccount {
  pid: Pid;
  quota: number;
  used: number;
  /** logical time of the last allocation (for LRU) */
  lastUse: number;
}

/** Totals for the views. */
export interface QuotaStats {
  globalLimit: number;
  used: number;
  free: number;
  agents: number;
  allocations: number;
  refusals: number;
  evictions: number;
}

/**
 * Per-agent quotas in bytes of kernel-held state under a global limit (the seed AIOS memory
 * manager, in TypeScript naming). `evictLru` frees memory under pressure: it takes the least
 * recently used agents' bytes back and names them, and the caller (the step API) suspends them
 * and swaps their pages out.
 */
export class ByteQuotas {
  private readonly accounts = new Map<Pid, QuotaAccount>();
  private used = 0;
  private tick = 0;
  private allocations = 0;
  private refusals = 0;
  private evictions = 0;

  constructor(private globalLimit: number) {
    if (!(globalLimit > 0)) throw new InvalidArgumentError(`global memory limit must be positive (got ${globalLimit})`);
  }

  get limit(): number {
    return this.globalLimit;
  }

  setGlobalLimit(bytes: number): void {
    if (!(bytes > 0)) throw new InvalidArgumentError(`global memory limit must be positive (got ${bytes})`);
    this.globalLimit = bytes;
  }

  register(pid: Pid, quota: number): void {
    if (!(quota > 0)) throw new InvalidArgumentError(`memory quota of agent ${pid} must be positive (got ${quota})`);
    const existing = this.accounts.get(pid);
    if (existing) existing.quota = quota;
    else this.accounts.set(pid, { pid, quota, used: 0, lastUse: ++this.tick });
  }

  unregister(pid: Pid): void {
    this.releaseAll(pid);
    this.accounts.delete(pid);
  }

  /** Takes `bytes` for an agent if its quota and the global limit allow. */
  allocate(pid: Pid, bytes: number): Allocation {
    const a = this.accounts.get(pid);
    if (a === undefined) return { ok: false, reason: `agent ${pid} has no memory account` };
    if (a.used + bytes > a.quota) {
      this.refusals++;
      return { ok: false, reason: `agent ${pid} would use ${a.used + bytes} bytes, over its quota of ${a.quota}` };
    }
    if (this.used + bytes > this.globalLimit) {
      this.refusals++;
      return { ok: false, reason: `global memory limit of ${this.globalLimit} bytes reached (${this.used} in use)` };
    }
    a.used += bytes;
    a.lastUse = ++this.tick;
    this.used += bytes;
    this.allocations++;
    return OK;
  }

  /** Gives back `bytes` (never below zero). */
  release(pid: Pid, bytes: number): void {
    const a = this.accounts.get(pid);
    if (a === undefined) return;
    const n = bytes < a.used ? bytes : a.used;
    a.used -= n;
    this.used -= n;
  }

  releaseAll(pid: Pid): number {
    const a = this.accounts.get(pid);
    if (!a) return 0;
    const n = a.used;
    this.used -= n;
    a.used = 0;
    return n;
  }

  /**
   * Frees at least `targetFreeBytes` of headroom under the global limit by evicting least
   * recently used agents, oldest first: their bytes are released here, and the caller must take
   * their pages out of memory. Returns the pids evicted.
   */
  evictLru(targetFreeBytes: number): Pid[] {
    const evicted: Pid[] = [];
    if (this.globalLimit - this.used >= targetFreeBytes) return evicted;
    const order = [...this.accounts.values()].filter((a) => a.used > 0).sort((x, y) => x.lastUse - y.lastUse);
    for (const a of order) {
      if (this.globalLimit - this.used >= targetFreeBytes) break;
      this.release(a.pid, a.used);
      this.evictions++;
      evicted.push(a.pid);
    }
    return evicted;
  }

  usage(pid: Pid): QuotaAccount {
    const a = this.accounts.get(pid);
    if (!a) throw new KernelError('no_memory_account', `agent ${pid} has no memory account`);
    return { ...a };
  }

  /** The `n` agents using the most memory. */
  top(n: number): QuotaAccount[] {
    return [...this.accounts.values()].sort((x, y) => y.used - x.used).slice(0, n).map((a) => ({ ...a }));
  }

  /** Every account, most pressure (used / quota) first. */
  byPressure(): QuotaAccount[] {
    return [...this.accounts.values()].sort((x, y) => y.used / y.quota - x.used / x.quota).map((a) => ({ ...a }));
  }

  stats(): QuotaStats {
    return {
      globalLimit: this.globalLimit,
      used: this.used,
      free: this.globalLimit - this.used,
      agents: this.accounts.size,
      allocations: this.allocations,
      refusals: this.refusals,
      evictions: this.evictions,
    };
  }
}

const OK: Allocation = { ok: true };
