/**
 * The developer's MCP servers as kernel tools: reads the configuration (and watches it), keeps one
 * connection per server, registers each ready server's tools in the tool registry (disposed when
 * the server goes away), and gates workspace servers behind trust and launch approval.
 * Servers start on first need (`activate`), never when the kernel opens.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Tool } from '../kernel/ports/tools';
import type { Disposable } from '../kernel/types';
import { commandLine, mergeMcp, parseClineMcp, parseUserMcp, parseVsCodeMcp, where, type McpConfigSet, type McpServerConfig } from './config';
import { DEFAULT_TIMING, McpConnection, type ConnectionTiming, type McpServerStatus } from './connection';
import type { LaunchApprover } from './launch';
import { adaptTool, kernelToolName, type McpToolInfo } from './toolAdapter';
import { resolveTransport, type InputResolver } from './variables';

/** Where tools are registered (the kernel's ToolRegistry). */
export interface ToolSink {
  register(tool: Tool, options: { external?: boolean }): Disposable;
}

/** One server as `aios mcp list` and the Tools view show it. */
export interface McpServerInfo {
  name: string;
  /** the file it came from, or `settings` */
  origin: string;
  transport: 'stdio' | 'http' | 'sse';
  /** the command line or URL (placeholders unresolved) */
  target: string;
  state: McpServerStatus;
  /** process id of a running stdio server */
  pid: number | null;
  /** kernel tool names registered for it */
  tools: string[];
  alwaysAllow: string[];
}

/** What the manager is built from. */
export interface McpManagerOptions {
  workspace: string;
  sink: ToolSink;
  /** false: servers from workspace files do not start (VS Code's workspace trust) */
  trusted: boolean;
  /** the user-level list (setting aios.mcp.servers, Cline shape) */
  userServers?: unknown;
  launch: LaunchApprover;
  ask: InputResolver;
  log: (line: string) => void;
  /** any state or tool list changed */
  onChange?: () => void;
  /** poll the configuration files for changes (ms); 0 turns it off */
  watchMs?: number;
  timing?: ConnectionTiming;
  env?: NodeJS.ProcessEnv;
}

/** The two workspace files, in the order they override each other. */
export function workspaceMcpFiles(workspace: string): { file: string; parse: (text: string, file: string) => McpConfigSet }[] {
  return [
    { file: join(workspace, '.vscode', 'mcp.json'), parse: parseVsCodeMcp },
    { file: join(workspace, '.aios', 'mcp.json'), parse: parseClineMcp },
  ];
}

interface Entry {
  connection: McpConnection;
  registrations: Disposable[];
  tools: string[];
  /** set by the developer's Disable for this session */
  disabledByDeveloper: boolean;
}

/** Keeps the configured servers and their tools in the registry. */
export class McpManager {
  private readonly entries = new Map<string, Entry>();
  private userServers: unknown;
  private config: McpConfigSet = { servers: [], inputs: [], problems: [] };
  private active = false;
  private disposed = false;
  private watchTimer: NodeJS.Timeout | null = null;
  /** what the files looked like when last read: a poll that sees something else reloads */
  private fileStamp = '';
  private readonly answers = new Map<string, Promise<string | null>>();

  constructor(private readonly options: McpManagerOptions) {
    this.userServers = options.userServers;
    this.reload();
    const ms = options.watchMs ?? 1000;
    if (ms > 0) {
      // Polling two stats a second: works for files and folders that do not exist yet, survives
      // editors that replace files, and compares with what was read (no change is lost between
      // reading and watching).
      this.watchTimer = setInterval(() => { if (this.stamp() !== this.fileStamp) this.reload(); }, ms);
      this.watchTimer.unref();
    }
  }

  /** Problems in the configuration (one line each, saying what to fix). */
  get problems(): string[] {
    return this.config.problems;
  }

  /** Every configured server with its state. */
  list(): McpServerInfo[] {
    return [...this.entries.values()].map(({ connection: c, tools }) => {
      const t = c.config.transport;
      return {
        name: c.config.name,
        origin: where(c.config),
        transport: t.kind,
        target: t.kind === 'stdio' ? commandLine(t, true) : t.url,
        state: c.state,
        pid: c.pid,
        tools: [...tools],
        alwaysAllow: c.config.alwaysAllow.map((tool) => kernelToolName(c.config.name, tool)),
      };
    });
  }

  /** Kernel tool names the configuration allows without asking (alwaysAllow). */
  alwaysAllowed(): Set<string> {
    const names = new Set<string>();
    for (const { connection: c } of this.entries.values()) for (const tool of c.config.alwaysAllow) names.add(kernelToolName(c.config.name, tool));
    return names;
  }

  /** Starts every enabled server (first need: an agent step, `aios mcp list`); resolves when none is starting. */
  async activate(): Promise<void> {
    this.active = true;
    await Promise.all([...this.entries.values()].map((e) => this.startEntry(e)));
  }

  /** Restarts one server (the developer's Restart), enabling it if the developer had disabled it. */
  async restart(name: string): Promise<void> {
    const e = this.require(name);
    e.disabledByDeveloper = false;
    this.active = true;
    if (await this.gate(e)) await e.connection.restart();
  }

  /** Disables one server for this session (its tools go away) or enables it again. */
  async setDisabled(name: string, disabled: boolean): Promise<void> {
    const e = this.require(name);
    e.disabledByDeveloper = disabled;
    if (disabled) await e.connection.block({ status: 'disabled' });
    else await this.startEntry(e, true);
  }

  /** New user-level servers from settings. */
  setUserServers(value: unknown): void {
    this.userServers = value;
    this.reload();
  }

  /** Reads the configuration again; changed servers restart, removed ones stop and lose their tools. */
  reload(): void {
    if (this.disposed) return;
    const sets = [parseUserMcp(this.userServers)];
    this.fileStamp = this.stamp();
    for (const { file, parse } of workspaceMcpFiles(this.options.workspace)) {
      if (!statSync(file, { throwIfNoEntry: false })?.isFile()) continue;
      let text: string;
      try { text = readFileSync(file, 'utf8'); } catch (err) { sets.push({ servers: [], inputs: [], problems: [`${file}: cannot read: ${(err as Error).message}`] }); continue; }
      sets.push(parse(text, file));
    }
    this.config = mergeMcp(sets);
    for (const p of this.config.problems) this.options.log(`mcp: ${p}`);
    const next = new Map(this.config.servers.map((s) => [s.name, s]));
    for (const [name, e] of [...this.entries]) {
      const s = next.get(name);
      if (s && JSON.stringify(s) === JSON.stringify(e.connection.config)) { next.delete(name); continue; }
      this.entries.delete(name);
      this.drop(e);
      void e.connection.dispose();
    }
    for (const s of next.values()) {
      const e = this.create(s);
      this.entries.set(s.name, e);
      if (this.active) void this.startEntry(e);
    }
    this.options.onChange?.();
  }

  /** Stops every server and removes its tools. */
  async dispose(): Promise<void> {
    this.disposed = true;
    if (this.watchTimer) clearInterval(this.watchTimer);
    const all = [...this.entries.values()];
    this.entries.clear();
    for (const e of all) this.drop(e);
    await Promise.all(all.map((e) => e.connection.dispose()));
  }

  /** Size, modification time and inode of both files ('-' for a missing one). */
  private stamp(): string {
    return workspaceMcpFiles(this.options.workspace).map(({ file }) => {
      const s = statSync(file, { throwIfNoEntry: false });
      return s ? `${s.size}:${s.mtimeMs}:${s.ino}` : '-';
    }).join('|');
  }

  private create(config: McpServerConfig): Entry {
    const entry: Entry = { connection: undefined as unknown as McpConnection, registrations: [], tools: [], disabledByDeveloper: false };
    entry.connection = new McpConnection(
      config,
      () => resolveTransport(config.transport, config.name, { workspace: this.options.workspace, env: this.options.env ?? process.env, inputs: this.config.inputs, ask: (spec) => this.askOnce(spec) }),
      {
        changed: (status, tools) => this.changed(entry, status, tools),
        log: (line) => this.options.log(`mcp: ${line}`),
      },
      this.options.timing ?? DEFAULT_TIMING,
    );
    if (config.disabled) void entry.connection.block({ status: 'disabled' });
    return entry;
  }

  /**
   * Starts a server that never ran. A blocked, failed or disabled one stays so until the developer
   * acts (Restart, Enable): an agent step must not re-ask a question the developer answered.
   */
  private async startEntry(e: Entry, force = false): Promise<void> {
    const s = e.connection.state.status;
    if (s === 'starting') return e.connection.start();
    if (s !== 'idle' && !force) return;
    if (await this.gate(e)) await e.connection.start();
  }

  /** Disabled, untrusted, or not approved: the server stays down with the reason shown. */
  private async gate(e: Entry): Promise<boolean> {
    const c = e.connection.config;
    if (c.disabled || e.disabledByDeveloper) {
      await e.connection.block({ status: 'disabled' });
      return false;
    }
    if (c.source === 'user') return true;
    if (!this.options.trusted) {
      await e.connection.block({ status: 'blocked', reason: `the workspace is not trusted: servers from ${where(c)} do not start (trust the workspace, then Restart)` });
      return false;
    }
    if (c.transport.kind !== 'stdio') return true;
    const approved = await this.options.launch.approve({ workspace: this.options.workspace, server: c.name, file: where(c), commandLine: commandLine(c.transport) })
      .catch((err: Error) => { this.options.log(`mcp: asking to start '${c.name}' failed: ${err.message}`); return false; });
    if (!approved) {
      await e.connection.block({ status: 'blocked', reason: `starting it was not approved: Restart to be asked again (it runs ${commandLine(c.transport, true)})` });
      return false;
    }
    return true;
  }

  private changed(e: Entry, status: McpServerStatus, tools: McpToolInfo[] | null): void {
    if (this.entries.get(e.connection.config.name) !== e) return;
    // A server that is restarting keeps its tools, so a call says "restarting" instead of "unknown tool".
    if (status.status === 'ready' && tools) this.register(e, tools);
    else if (status.status !== 'restarting' && status.status !== 'starting') this.drop(e);
    this.options.onChange?.();
  }

  private register(e: Entry, tools: McpToolInfo[]): void {
    this.drop(e);
    const c = e.connection;
    for (const info of tools) {
      if (c.config.disabledTools.includes(info.name)) continue;
      const tool = adaptTool(c.config.name, info, (name, args, signal) => c.call(name, args, signal));
      try {
        e.registrations.push(this.options.sink.register(tool, { external: true }));
        e.tools.push(tool.name);
      } catch (err) {
        this.options.log(`mcp: tool ${info.name} of '${c.config.name}' is not offered: ${(err as Error).message}`);
      }
    }
  }

  private drop(e: Entry): void {
    for (const r of e.registrations.splice(0).reverse()) r.dispose();
    e.tools = [];
  }

  /** Each input is asked once per session, also when two servers start together; a refusal is asked again next time. */
  private askOnce(spec: { id: string; description: string; password: boolean }): Promise<string | null> {
    let answer = this.answers.get(spec.id);
    if (!answer) {
      answer = this.options.ask(spec).catch(() => null);
      this.answers.set(spec.id, answer);
      void answer.then((v) => { if (v === null) this.answers.delete(spec.id); });
    }
    return answer;
  }

  private require(name: string): Entry {
    const e = this.entries.get(name);
    if (!e) throw new Error(`no MCP server named '${name}': configured are ${[...this.entries.keys()].join(', ') || '(none)'}`);
    return e;
  }
}
