import type { Pid } from '../types';

/** Where the read ledger (what each agent read, by content hash) keeps its entries; storage implements it. */
export interface LedgerStore {
  all(): Array<{ pid: Pid; path: string; hash: string }>;
  put(pid: Pid, path: string, hash: string): void;
  drop(pid: Pid): void;
}
