/**
 * The `aios.*` settings as typed values, with validation. No `vscode` here: the extension reads
 * raw values through a `SettingsReader` and everything else is plain logic (unit-tested).
 */
import type { InitializeParams, SandboxSettings, SchedulerSettings } from '../protocol/hostMethods';
import type { AskLevel, JsonValue, SchedulingPolicyName } from '../protocol/hostTypes';
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
  approvals: { askAtOrAbove: AskLevel; timeoutMs: number; protectedPaths: string[] };
  sandbox: SandboxSettings;
  /** '' runs the kernel host on the extension host's own runtime */
  nodePath: string;
  /** '' keeps the database in the workspace storage; else a file (relative to the workspace folder) */
  databasePath: string;
  /** the user-level MCP servers (aios.mcp.servers, Cline shape: name → server) */
  mcpServers: { [name: string]: JsonValue };
  /** endpoints, prices and windows, the Anthropic base URL and headers */
  models: ModelSettings;
}

/** A setting whose value was refused, and the value used instead. */
export interface SettingProblem {
  key: string;
  message: string;
}

const MIB = 1024 * 1024;

/** The layers of one setting (`getConfiguration('aios').inspect(key)`, the parts used here). */
export interface SettingLayers {
  defaultValue?: unknown;
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
}

/**
 * Settings that can weaken security (what asks, the sandbox, which node runs the kernel, where its
 * database is). They are `machine` scope in package.json; a value a workspace sets anyway (its
 * .vscode/settings.json, which an agent or a cloned repository may have written) is ignored.
 */
export const SECURITY_SETTINGS: readonly string[] = [
  'approvals.askAtOrAbove', 'approvals.timeoutMinutes', 'approvals.protectedPaths',
  'sandbox.enabled', 'sandbox.image', 'sandbox.dockerHost', 'sandbox.memoryMiB', 'sandbox.cpus', 'sandbox.pids',
  'nodePath', 'databasePath',
];

/**
 * Reads and validates every setting; bad values fall back to defaults and are reported. With
 * `inspect`, security settings are taken from the user's settings only, and a workspace value is
 * reported as ignored (`trusted` false says why more plainly: the workspace is not trusted).
 */
export function readSettings(read: SettingsReader, inspect?: (key: string) => SettingLayers | undefined, trusted = true): { settings: AiosSettings; problems: SettingProblem[] } {
  const problems: SettingProblem[] = [];
  const get: SettingsReader = !inspect ? read : (key) => {
    if (!SECURITY_SETTINGS.includes(key)) return read(key);
    const layers = inspect(key);
    if (layers && (layers.workspaceValue !== undefined || layers.workspaceFolderValue !== undefined)) {
      const why = trusted ? 'it can weaken security, so only your user settings count' : 'this workspace is not trusted, and it can weaken security';
      problems.push({ key: `aios.${key}`, message: `aios.${key} is set in this workspace's settings and is ignored: ${why}. Set it in your user settings if you mean it` });
    }
    return layers?.globalValue ?? layers?.defaultValue;
  };
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
  const stringList = (key: string): string[] => {
    const v = get(key);
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
      problems.push({ key: `aios.${key}`, message: `aios.${key} must be a list of workspace-relative paths or globs; using none` });
      return [];
    }
    return (v as string[]).map((x) => x.trim()).filter(Boolean);
  };

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
      protectedPaths: stringList('approvals.protectedPaths'),
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
    mcpServers: mcpServers(get('mcp.servers'), problems),
    models: readModelSettings(get, problems),
  };
  return { settings, problems };
}

function mcpServers(v: unknown, problems: SettingProblem[]): AiosSettings['mcpServers'] {
  if (v === undefined || v === null) return {};
  if (typeof v === 'object' && !Array.isArray(v)) return v as AiosSettings['mcpServers'];
  problems.push({ key: 'aios.mcp.servers', message: 'aios.mcp.servers must be an object of name → server ({ "command": …, "args": […] } or { "url": … }); using none' });
  return {};
}

/** The initialize request for a host on `workspace` with its database at `dbPath`; `trusted` is VS Code's workspace trust. */
export function initializeParams(s: AiosSettings, workspace: string, dbPath: string, trusted = false): InitializeParams {
  return {
    mcp: { trusted, userServers: s.mcpServers },
    workspace,
    dbPath,
    askAtOrAbove: s.approvals.askAtOrAbove,
    protectedPaths: s.approvals.protectedPaths,
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
  if (!same(before.scheduler, after.scheduler) || before.memory.globalLimitBytes !== after.memory.globalLimitBytes || !same(before.mcpServers, after.mcpServers)) return 'live';
  return 'none';
}
