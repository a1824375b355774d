/**
 * The `aios.*` settings as typed values, with validation. No `vscode` here: the extension reads
 * raw values through a `SettingsReader` and everything else is plain logic (unit-tested).
 */
import type { InitializeParams, SandboxSettings, SchedulerSettings } from '../protocol/hostMethods';
import type { AskLevel, SchedulingPolicyName } from '../protocol/hostTypes';
import type { ModelSettings } from '../protocol/modelMethods';
import { readModelSettings } from './modelSettings';

/** Reads one raw setting (`workspace.getConfiguration('aios').get`). */
export type SettingsReader = (key: string) => unknown;

/** Everything AIOS is configured with. */
export interface AiosSettings {
  /** '' means: Claude with an API key, else the offline scripted model */
  model: string;
  scheduler: SchedulerSettings;
  budgets: { tokens: number | null; dollars: number | null; steps: number | null };
  context: { tokens: number; high: number; low: number };
  memory: { globalLimitBytes: number; agentQuotaBytes: number };
  approvals: { askAtOrAbove: AskLevel; timeoutMs: number };
  sandbox: SandboxSettings;
  /** '' runs the kernel host on the extension host's own runtime */
  nodePath: string;
  /** '' keeps the database in the workspace storage; else a file (relative to the workspace folder) */
  databasePath: string;
  /** endpoints, prices and windows, the Anthropic base URL and headers */
  models: ModelSettings;
}

/** A setting whose value was refused, and the value used instead. */
export interface SettingProblem {
  key: string;
  message: string;
}

const MIB = 1024 * 1024;

/** Reads and validates every setting; bad values fall back to defaults and are reported. */
export function readSettings(get: SettingsReader): { settings: AiosSettings; problems: SettingProblem[] } {
  const problems: SettingProblem[] = [];
  const num = (key: string, fallback: number, min: number, max: number, integer = true): number => {
    const v = get(key);
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
      problems.push({ key: `aios.${key}`, message: `aios.${key} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max} (got ${JSON.stringify(v)}); using ${fallback}` });
      return fallback;
    }
    return v;
  };
  const str = (key: string, fallback = ''): string => {
    const v = get(key);
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'string') {
      problems.push({ key: `aios.${key}`, message: `aios.${key} must be a string; using "${fallback}"` });
      return fallback;
    }
    return v.trim();
  };
  const oneOf = <T extends string>(key: string, allowed: readonly T[], fallback: T): T => {
    const v = get(key);
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
    problems.push({ key: `aios.${key}`, message: `aios.${key} must be one of ${allowed.join(', ')} (got ${JSON.stringify(v)}); using ${fallback}` });
    return fallback;
  };
  const unlimited = (n: number): number | null => (n === 0 ? null : n);

  let high = num('context.highWatermark', 0.9, 0.05, 1, false);
  let low = num('context.lowWatermark', 0.7, 0.01, 0.99, false);
  if (!(low < high)) {
    problems.push({ key: 'aios.context.lowWatermark', message: `aios.context.lowWatermark (${low}) must be below aios.context.highWatermark (${high}); using 0.7 and 0.9` });
    high = 0.9;
    low = 0.7;
  }
  const settings: AiosSettings = {
    model: str('model'),
    scheduler: {
      policy: oneOf<SchedulingPolicyName>('scheduler.policy', ['priority', 'round_robin', 'fair_share'], 'priority'),
      maxConcurrent: num('scheduler.maxConcurrent', 4, 1, 256),
      requestsPerMinute: unlimited(num('scheduler.requestsPerMinute', 0, 0, 1e6)),
      tokensPerMinute: unlimited(num('scheduler.tokensPerMinute', 0, 0, 1e9)),
    },
    budgets: {
      tokens: unlimited(num('budgets.tokens', 500_000, 0, 1e9)),
      dollars: unlimited(num('budgets.dollars', 2, 0, 1e4, false)),
      steps: unlimited(num('budgets.steps', 100, 0, 1e6)),
    },
    context: { tokens: num('context.tokens', 100_000, 1_000, 2_000_000), high, low },
    memory: {
      globalLimitBytes: num('memory.globalLimitMiB', 512, 16, 65_536) * MIB,
      agentQuotaBytes: num('memory.agentQuotaMiB', 64, 1, 65_536) * MIB,
    },
    approvals: {
      askAtOrAbove: oneOf<AskLevel>('approvals.askAtOrAbove', ['medium', 'high', 'critical'], 'medium'),
      timeoutMs: num('approvals.timeoutMinutes', 10, 1, 24 * 60) * 60_000,
    },
    sandbox: {
      enabled: get('sandbox.enabled') !== false,
      image: str('sandbox.image') || null,
      dockerHost: str('sandbox.dockerHost') || null,
      memoryBytes: num('sandbox.memoryMiB', 256, 16, 65_536) * MIB,
      cpus: num('sandbox.cpus', 1, 0.1, 64, false),
      pids: num('sandbox.pids', 128, 8, 65_536),
    },
    nodePath: str('nodePath'),
    databasePath: str('databasePath'),
    models: readModelSettings(get, problems),
  };
  return { settings, problems };
}

/** The initialize request for a host on `workspace` with its database at `dbPath`. */
export function initializeParams(s: AiosSettings, workspace: string, dbPath: string): InitializeParams {
  return {
    workspace,
    dbPath,
    askAtOrAbove: s.approvals.askAtOrAbove,
    approvalTimeoutMs: s.approvals.timeoutMs,
    scheduler: s.scheduler,
    globalMemoryBytes: s.memory.globalLimitBytes,
    agentQuotaBytes: s.memory.agentQuotaBytes,
    sandbox: s.sandbox,
    models: s.models,
  };
}

/** How a settings change is applied. */
export type SettingsChange = 'none' | 'live' | 'restart';

/**
 * Scheduler and the global memory limit apply live; model, budgets and context apply to the
 * next spawn (nothing to do); the rest is fixed when the host opens its session: restart it.
 */
export function classifyChange(before: AiosSettings, after: AiosSettings): SettingsChange {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  if (!same(before.approvals, after.approvals) || !same(before.sandbox, after.sandbox) || before.nodePath !== after.nodePath || before.databasePath !== after.databasePath
    || before.memory.agentQuotaBytes !== after.memory.agentQuotaBytes || !same(before.models, after.models)) return 'restart';
  if (!same(before.scheduler, after.scheduler) || before.memory.globalLimitBytes !== after.memory.globalLimitBytes) return 'live';
  return 'none';
}
