/**
 * Records for storage tests and benchmarks, and a temp folder for real database files.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StandingRule } from '../../src/kernel/ports/policy';
import type { PageRow } from '../../src/kernel/ports/store';
import { emptyUsage, unlimitedBudgets, type AgentRecord, type AuditEntry, type TaskRecord } from '../../src/kernel/types';

/** A temp folder for database files; `remove` deletes it with everything in it. */
export function tempDir(prefix = 'aios-storage-'): { dir: string; file(name: string): string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, file: (name) => join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** An agent with unlimited budgets unless overridden. */
export function makeAgent(pid: number, overrides: Partial<AgentRecord> = {}): AgentRecord {
  return {
    pid,
    name: `agent-${pid}`,
    role: 'coder',
    priority: 50,
    state: 'ready',
    waitReason: null,
    reason: null,
    parent: null,
    createdAt: 1_700_000_000_000 + pid,
    updatedAt: 1_700_000_000_000 + pid,
    task: `task of ${pid}`,
    model: 'scripted:/tmp/script.json',
    budgets: unlimitedBudgets(),
    usage: emptyUsage(),
    capabilities: ['fs.read'],
    context: { tokens: 100_000, high: 0.8, low: 0.6 },
    result: null,
    ...overrides,
  };
}

/** A swapped-out message page unless overridden. */
export function makePage(id: number, pid: number, text: string, overrides: Partial<PageRow> = {}): PageRow {
  return {
    id,
    pid,
    seq: id,
    kind: 'message',
    content: JSON.stringify({ role: 'user', text }),
    text,
    tokens: Math.ceil(text.length / 4),
    importance: 0.5,
    pinned: false,
    resident: false,
    lastAccess: 1_700_000_000_000,
    createdAt: 1_700_000_000_000,
    ...overrides,
  };
}

/** A pending task unless overridden. */
export function makeTask(id: string, overrides: Partial<TaskRecord> = {}): TaskRecord {
  return { id, pid: null, description: `do ${id}`, status: 'pending', createdAt: 1_700_000_000_000, updatedAt: 1_700_000_000_000, result: null, ...overrides };
}

/** An `always` rule for `npm test` unless overridden. */
export function makeRule(id: string, overrides: Partial<StandingRule> = {}): StandingRule {
  return { id, tool: 'run_command', pattern: 'npm test', scope: 'always', pid: null, session: null, expiresAt: null, createdAt: 1_700_000_000_000, ...overrides };
}

/** A policy approval of a file read unless overridden. */
export function makeAudit(at: number, overrides: Partial<AuditEntry> = {}): AuditEntry {
  return { at, pid: 1, action: 'approval.allow', actor: 'policy', subject: 'read_file', detail: { path: 'src/a.ts' }, ...overrides };
}
