/**
 * A KernelStore that stores nothing: used to measure the kernel's own in-memory cost apart from
 * SQLite (whose cost the storage.* cases measure). Never used outside benchmarks.
 */
import type { KernelStore } from '../src/kernel/ports/store';

export function nullStore(): KernelStore {
  let seq = 0;
  return {
    transaction: (fn) => fn(),
    putAgent: () => {}, getAgent: () => undefined, listAgents: () => [], maxPid: () => 0,
    appendEvent: () => ++seq, queryEvents: () => [],
    putPages: () => {}, getPage: () => undefined, listPages: () => [], searchPages: () => [], deletePages: () => {}, maxPageId: () => 0,
    putSnapshot: () => {}, getSnapshot: () => undefined,
    putCheckpoint: () => {}, latestCheckpoint: () => undefined,
    putTask: () => {}, getTask: () => undefined, listTasks: () => [],
    putRule: () => {}, deleteRule: () => {}, listRules: () => [],
    appendAudit: () => {}, queryAudit: () => [], auditState: () => ({ ok: true, entries: 0, brokenAt: null, problem: null }),
    close: () => {},
  };
}
