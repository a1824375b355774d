/**
 * SqliteStore on a WAL file in a temp folder. One op is one store call in its own (autocommit)
 * transaction unless the name says otherwise; each case gets a fresh database.
 */
import type { KernelEvent } from '../src/kernel/events';
import type { AgentRecord } from '../src/kernel/types';
import { SqliteStore } from '../src/storage/sqliteStore';
import { makeAgent, makeTask, tempDir } from '../test/support/storageFixtures';
import { measure, type BenchCase, type BenchResult } from './harness';

const BATCH = 100;
const AGENTS = 100;
const TASKS = 1000;

/** Runs `body` against a fresh file database and removes it afterwards. */
function withStore(body: (store: SqliteStore) => BenchResult): BenchResult {
  const tmp = tempDir('aios-bench-');
  const store = SqliteStore.open(tmp.file('bench.db'));
  try {
    return body(store);
  } finally {
    store.close();
    tmp.remove();
  }
}

function stepEvent(pid: number, step: number): KernelEvent {
  return { type: 'agent.step', pid, step, inputTokens: 1200, outputTokens: 300, cacheReadTokens: 1000, cacheWriteTokens: 0, dollars: 0.004, durationMs: 900, scripted: true };
}

function seedAgents(store: SqliteStore): AgentRecord[] {
  const agents = Array.from({ length: AGENTS }, (_, i) => makeAgent(i + 1, { budgets: { tokens: 1e6, dollars: 5, steps: 200, bytes: Infinity } }));
  store.transaction(() => agents.forEach((a) => store.putAgent(a)));
  return agents;
}

/** Event types in the seeded table, roughly in the proportions a kernel emits them. */
const MIX: Array<(pid: number, i: number) => KernelEvent> = [
  (pid, i) => stepEvent(pid, i),
  (pid) => ({ type: 'agent.state', pid, from: 'ready', to: 'running', waitReason: null, reason: null }),
  (pid) => ({ type: 'scheduler.dispatch', pid, policy: 'priority', waitedMs: 12 }),
  (pid, i) => ({ type: 'tool.call', pid, tool: 'read_file', callId: `c${i}`, risk: 'low' }),
  (pid, i) => ({ type: 'tool.result', pid, tool: 'read_file', callId: `c${i}`, isError: false, durationMs: 3 }),
  (pid, i) => ({ type: 'pager.page_in', pid, pageId: i, tokens: 400, fault: true }),
];

export const cases: BenchCase[] = [
  {
    name: 'storage.agent_write',
    run: () =>
      withStore((store) => {
        const agents = seedAgents(store);
        return measure('storage.agent_write', (i) => {
          const a = agents[i % AGENTS];
          a.updatedAt = i;
          a.usage.steps = i;
          store.putAgent(a);
        }, { batch: BATCH });
      }),
  },
  {
    name: 'storage.agent_read',
    run: () =>
      withStore((store) => {
        seedAgents(store);
        return measure('storage.agent_read', (i) => void store.getAgent((i % AGENTS) + 1), { batch: BATCH });
      }),
  },
  {
    name: 'storage.event_write',
    run: () =>
      withStore((store) => {
        const events = Array.from({ length: AGENTS }, (_, i) => stepEvent(i + 1, i));
        return measure('storage.event_write', (i) => void store.appendEvent(events[i % AGENTS], i), { batch: BATCH });
      }),
  },
  {
    name: 'storage.event_query_50',
    run: () =>
      withStore((store) => {
        const total = 100_000;
        store.transaction(() => {
          for (let i = 0; i < total; i++) store.appendEvent(MIX[i % MIX.length]((i % AGENTS) + 1, i), i);
        });
        const r = measure('storage.event_query_50', () => {
          if (store.queryEvents({ type: 'agent.step', limit: 50 }).length !== 50) throw new Error('expected 50 events');
        }, { batch: 10 });
        return { ...r, events_in_table: total };
      }),
  },
  {
    name: 'storage.task_write',
    run: () =>
      withStore((store) => {
        const tasks = Array.from({ length: TASKS }, (_, i) => makeTask(`task-${i}`, { createdAt: i }));
        const statuses = ['pending', 'running', 'done'] as const;
        return measure('storage.task_write', (i) => {
          const t = tasks[i % TASKS];
          t.status = statuses[i % 3];
          t.updatedAt = i;
          store.putTask(t);
        }, { batch: BATCH });
      }),
  },
  {
    name: 'storage.task_read',
    run: () =>
      withStore((store) => {
        const ids = Array.from({ length: TASKS }, (_, i) => `task-${i}`);
        store.transaction(() => ids.forEach((id, i) => store.putTask(makeTask(id, { createdAt: i }))));
        return measure('storage.task_read', (i) => void store.getTask(ids[i % TASKS]), { batch: BATCH });
      }),
  },
  // What the kernel actually commits per agent step, and what batching buys over autocommit.
  {
    name: 'storage.step_commit',
    run: () =>
      withStore((store) => {
        const agents = seedAgents(store);
        const data = JSON.stringify({ pages: Array.from({ length: 40 }, (_, i) => i), cursor: 17 });
        return measure('storage.step_commit', (i) => {
          const a = agents[i % AGENTS];
          a.usage.steps = i;
          store.transaction(() => {
            store.putAgent(a);
            store.appendEvent(stepEvent(a.pid, i), i);
            store.putCheckpoint(a.pid, i, i, data);
          });
        }, { batch: BATCH });
      }),
  },
  {
    name: 'storage.event_write_in_tx100',
    run: () =>
      withStore((store) => {
        const events = Array.from({ length: AGENTS }, (_, i) => stepEvent(i + 1, i));
        // one op = one append; the timed batch of 100 appends is one transaction
        return measure('storage.event_write_in_tx100', (i) => {
          if (i % BATCH === 0) store.transaction(() => {
            for (let k = 0; k < BATCH; k++) store.appendEvent(events[(i + k) % AGENTS], i + k);
          });
        }, { batch: BATCH });
      }),
  },
];
