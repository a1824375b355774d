/**
 * MCP server configuration as developers already write it: VS Code's `.vscode/mcp.json`
 * (`servers` / `inputs`), the Cline / Roo shape in `.aios/mcp.json` (`mcpServers` with
 * `disabled`, `alwaysAllow`, `disabledTools`), and a user-level list in settings (Cline shape).
 * Parsing is pure: a bad entry becomes a problem line, the other servers still load.
 */
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser/lib/esm/main.js'; // the UMD build's dynamic requires do not bundle

/** Where a server was configured. Workspace sources need a trusted workspace (and stdio ones, approval). */
export type McpSource = 'vscode' | 'aios' | 'user';

/** How to reach a server. Values may hold `${input:ID}`, `${env:NAME}`, `${workspaceFolder}` until resolved. */
export type McpTransportConfig =
  | { kind: 'stdio'; command: string; args: string[]; env: Record<string, string>; cwd: string | null }
  /** Streamable HTTP, falling back to SSE for older servers unless `kind` says `sse` */
  | { kind: 'http'; url: string; headers: Record<string, string> }
  | { kind: 'sse'; url: string; headers: Record<string, string> };

/** One configured server. */
export interface McpServerConfig {
  /** the key in the file, sanitized for tool names */
  name: string;
  source: McpSource;
  /** the file it came from (null for settings) */
  file: string | null;
  transport: McpTransportConfig;
  disabled: boolean;
  /** server tool names (as the server calls them) allowed without asking */
  alwaysAllow: string[];
  /** server tool names not offered to agents */
  disabledTools: string[];
  /** per-call timeout */
  timeoutMs: number;
}

/** A VS Code `inputs` entry: asked once, then substituted for `${input:ID}`. */
export interface McpInputSpec {
  id: string;
  description: string;
  password: boolean;
}

/** What a configuration source yields. */
export interface McpConfigSet {
  servers: McpServerConfig[];
  inputs: McpInputSpec[];
  /** one line per ignored entry, saying what to fix */
  problems: string[];
}

const DEFAULT_TIMEOUT_MS = 60_000;
const SERVER_NAME = /[^A-Za-z0-9_-]/g;

/** Parses `.vscode/mcp.json` text (JSON with comments). */
export function parseVsCodeMcp(text: string, file: string): McpConfigSet {
  const root = parseFile(text, file);
  if (!root.ok) return { servers: [], inputs: [], problems: [root.error] };
  const inputs = parseInputs(root.value.inputs, file);
  const servers = parseServers(root.value.servers, 'servers', 'vscode', file, inputs.problems);
  return { servers, inputs: inputs.inputs, problems: inputs.problems };
}

/** Parses `.aios/mcp.json` (Cline / Roo shape: `mcpServers`). */
export function parseClineMcp(text: string, file: string): McpConfigSet {
  const root = parseFile(text, file);
  if (!root.ok) return { servers: [], inputs: [], problems: [root.error] };
  const problems: string[] = [];
  return { servers: parseServers(root.value.mcpServers, 'mcpServers', 'aios', file, problems), inputs: [], problems };
}

/** The user-level list from settings (`aios.mcp.servers`, Cline shape: name → server). */
export function parseUserMcp(value: unknown): McpConfigSet {
  const problems: string[] = [];
  return { servers: parseServers(value ?? {}, 'aios.mcp.servers', 'user', null, problems), inputs: [], problems };
}

/**
 * All sources merged: a name defined again in a later source replaces the earlier one
 * (user settings, then .vscode/mcp.json, then .aios/mcp.json), with a note.
 */
export function mergeMcp(sets: McpConfigSet[]): McpConfigSet {
  const byName = new Map<string, McpServerConfig>();
  const problems: string[] = [];
  const inputs: McpInputSpec[] = [];
  for (const set of sets) {
    problems.push(...set.problems);
    inputs.push(...set.inputs);
    for (const s of set.servers) {
      const before = byName.get(s.name);
      if (before) problems.push(`MCP server '${s.name}' from ${where(s)} replaces the one from ${where(before)}`);
      byName.set(s.name, s);
    }
  }
  return { servers: [...byName.values()], inputs, problems };
}

const SECRET_NAME = /token|key|secret|pass|auth|cred|cookie/i;

/**
 * The command line as the developer approves it (placeholders unresolved, so a change of any part
 * asks again). `redact` hides the values of secret-looking variables, for lists and logs.
 */
export function commandLine(t: Extract<McpTransportConfig, { kind: 'stdio' }>, redact = false): string {
  const env = Object.entries(t.env).sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${redact && SECRET_NAME.test(k) && !/^\$\{[^}]+\}$/.test(v) ? '***' : quote(v)}`);
  const cwd = t.cwd ? [`(in ${t.cwd})`] : [];
  return [...env, quote(t.command), ...t.args.map(quote), ...cwd].join(' ');
}

function quote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Where a server came from, for messages. */
export function where(s: Pick<McpServerConfig, 'source' | 'file'>): string {
  return s.file ?? 'settings (aios.mcp.servers)';
}

type Obj = Record<string, unknown>;

function parseFile(text: string, file: string): { ok: true; value: Obj } | { ok: false; error: string } {
  const errors: ParseError[] = [];
  const value: unknown = parseJsonc(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length) {
    const e = errors[0]!;
    const line = text.slice(0, e.offset).split('\n').length;
    return { ok: false, error: `${file}: ${printParseErrorCode(e.error)} at line ${line}: fix the file; its MCP servers are not loaded` };
  }
  if (!isObj(value)) return { ok: false, error: `${file}: must hold a JSON object; its MCP servers are not loaded` };
  return { ok: true, value };
}

function parseInputs(value: unknown, file: string): { inputs: McpInputSpec[]; problems: string[] } {
  const problems: string[] = [];
  if (value === undefined) return { inputs: [], problems };
  if (!Array.isArray(value)) return { inputs: [], problems: [`${file}: "inputs" must be an array; inputs ignored`] };
  const inputs: McpInputSpec[] = [];
  for (const raw of value) {
    if (!isObj(raw) || typeof raw.id !== 'string' || !raw.id) { problems.push(`${file}: an input without a string "id" is ignored`); continue; }
    inputs.push({ id: raw.id, description: typeof raw.description === 'string' ? raw.description : raw.id, password: raw.password === true });
  }
  return { inputs, problems };
}

function parseServers(value: unknown, key: string, source: McpSource, file: string | null, problems: string[]): McpServerConfig[] {
  const at = file ?? 'settings';
  if (value === undefined) return [];
  if (!isObj(value)) { problems.push(`${at}: "${key}" must be an object of name → server; no servers loaded`); return []; }
  const servers: McpServerConfig[] = [];
  for (const [rawName, raw] of Object.entries(value)) {
    const name = rawName.replace(SERVER_NAME, '_').slice(0, 40);
    if (!name) { problems.push(`${at}: a server with an empty name is ignored`); continue; }
    if (!isObj(raw)) { problems.push(`${at}: server '${rawName}' must be an object; ignored`); continue; }
    const transport = parseTransport(raw);
    if (typeof transport === 'string') { problems.push(`${at}: server '${rawName}': ${transport}; ignored`); continue; }
    const timeoutS = typeof raw.timeout === 'number' && raw.timeout > 0 ? raw.timeout : null;
    servers.push({
      name, source, file, transport,
      disabled: raw.disabled === true,
      alwaysAllow: strings(raw.alwaysAllow),
      disabledTools: strings(raw.disabledTools),
      timeoutMs: timeoutS === null ? DEFAULT_TIMEOUT_MS : Math.min(timeoutS, 3600) * 1000,
    });
  }
  return servers;
}

function parseTransport(raw: Obj): McpTransportConfig | string {
  const type = typeof raw.type === 'string' ? raw.type.toLowerCase() : typeof raw.transportType === 'string' ? raw.transportType.toLowerCase() : null;
  if (typeof raw.url === 'string' || type === 'http' || type === 'sse' || type === 'streamable-http' || type === 'streamablehttp') {
    if (typeof raw.url !== 'string' || !raw.url) return 'a remote server needs a "url"';
    let url: URL;
    try { url = new URL(raw.url.replace(/\$\{[^}]*\}/g, 'x')); } catch { return `"url" is not a URL: ${JSON.stringify(raw.url)}`; }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return `"url" must be http or https (got ${url.protocol})`;
    return { kind: type === 'sse' ? 'sse' : 'http', url: raw.url, headers: stringMap(raw.headers) };
  }
  if (type !== null && type !== 'stdio') return `unknown "type" ${JSON.stringify(raw.type)}: use stdio, http or sse`;
  if (typeof raw.command !== 'string' || !raw.command.trim()) return 'needs a "command" (stdio) or a "url" (http / sse)';
  return { kind: 'stdio', command: raw.command, args: strings(raw.args), env: stringMap(raw.env), cwd: typeof raw.cwd === 'string' && raw.cwd ? raw.cwd : null };
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObj(v)) return out;
  for (const [k, x] of Object.entries(v)) if (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') out[k] = String(x);
  return out;
}
