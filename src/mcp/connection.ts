/**
 * One MCP server as the kernel sees it: started on first need, connected with the official SDK
 * (stdio, Streamable HTTP with an SSE fallback), its tools listed, restarted with backoff when it
 * dies, and every call bounded by a timeout and the agent's abort signal. Errors come back as
 * tool errors the model can read; nothing here throws into the step loop.
 */
import type { McpServerStateView } from '../protocol/mcpTypes';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, McpError, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import type { ToolOutcome } from '../kernel/ports/tools';
import type { McpServerConfig, McpTransportConfig } from './config';
import { resultText, type McpToolInfo } from './toolAdapter';

/** Where a server is in its life; what the Tools view and `aios mcp list` show (the wire's shape). */
export type McpServerStatus = McpServerStateView;

/** Timing of starts and restarts. */
export interface ConnectionTiming {
  /** initialize + tools/list must finish within this */
  startTimeoutMs: number;
  /** first restart delay; doubles each time */
  backoffMs: number;
  backoffMaxMs: number;
  /** consecutive failed starts before the server is left failed (a developer restarts it) */
  maxRestarts: number;
}

export const DEFAULT_TIMING: ConnectionTiming = { startTimeoutMs: 30_000, backoffMs: 1_000, backoffMaxMs: 30_000, maxRestarts: 5 };

/** What a connection reports to its manager. */
export interface ConnectionEvents {
  /** state changed (ready carries the new tool list) */
  changed(status: McpServerStatus, tools: McpToolInfo[] | null): void;
  log(line: string): void;
}

const CLIENT_INFO = { name: 'aios', version: '0.1.0' };
const STDERR_LINES = 20;

/** A live (or resting) server. `start` resolves once it is ready or has failed this attempt. */
export class McpConnection {
  private client: Client | null = null;
  private transport: Transport | null = null;
  private status: McpServerStatus = { status: 'idle' };
  private starting: Promise<void> | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private failures = 0;
  private disposed = false;
  private readonly stderr: string[] = [];

  constructor(
    readonly config: McpServerConfig,
    /** resolves variables (inputs may ask the developer) just before each start */
    private readonly resolve: () => Promise<McpTransportConfig>,
    private readonly events: ConnectionEvents,
    private readonly timing: ConnectionTiming = DEFAULT_TIMING,
  ) {}

  get state(): McpServerStatus {
    return this.status;
  }

  /** The process id of a running stdio server, else null. */
  get pid(): number | null {
    return this.client && this.transport instanceof StdioClientTransport ? this.transport.pid : null;
  }

  /** Starts the server unless it is running or starting; resolves when this attempt is over. */
  start(): Promise<void> {
    if (this.disposed || this.status.status === 'ready') return Promise.resolve();
    this.starting ??= this.connect().finally(() => { this.starting = null; });
    return this.starting;
  }

  /** A fresh start now (the developer's Restart), forgetting earlier failures. */
  async restart(): Promise<void> {
    this.failures = 0;
    this.clearTimer();
    await this.closeClient();
    this.set({ status: 'idle' }, null);
    await this.start();
  }

  /** Marks the server as not startable (untrusted workspace, launch not approved, disabled). */
  async block(status: Extract<McpServerStatus, { status: 'blocked' | 'disabled' }>): Promise<void> {
    this.clearTimer();
    await this.closeClient();
    this.set(status, null);
  }

  /** One tools/call, bounded by the server's timeout and the agent's signal. */
  async call(tool: string, args: Record<string, unknown>, signal: AbortSignal): Promise<ToolOutcome> {
    const name = this.config.name;
    if (this.status.status === 'idle' || this.status.status === 'starting') await this.start();
    const s = this.status;
    if (s.status === 'restarting') return err(`MCP server '${name}' is restarting after it stopped (${s.error}); try again in ${Math.max(1, Math.ceil((s.retryAt - Date.now()) / 1000))} s`);
    if (s.status === 'failed') return err(`MCP server '${name}' is not running: ${s.error}`);
    if (s.status === 'blocked') return err(`MCP server '${name}' is not running: ${s.reason}`);
    if (s.status === 'disabled') return err(`MCP server '${name}' is disabled by the developer`);
    const client = this.client;
    if (!client) return err(`MCP server '${name}' is not connected`);
    const seconds = Math.round(this.config.timeoutMs / 1000);
    // a signal of our own per call: the step's signal outlives many calls, and listeners the SDK
    // adds to it would pile up (AbortSignal.any holds its sources weakly: nothing to remove)
    const own = AbortSignal.any([signal]);
    try {
      const result = await client.callTool({ name: tool, arguments: args }, undefined, { signal: own, timeout: this.config.timeoutMs, maxTotalTimeout: this.config.timeoutMs });
      return resultText(result as Parameters<typeof resultText>[0]);
    } catch (e) {
      if (signal.aborted) return err(`the call to ${tool} on MCP server '${name}' was cancelled (the agent was stopped)`);
      if (isMcpError(e, ErrorCode.RequestTimeout)) {
        return err(`MCP server '${name}' did not answer ${tool} within ${seconds} s; the call was cancelled. The server may be stuck: try something else or ask the developer`);
      }
      if (isMcpError(e, ErrorCode.ConnectionClosed)) {
        return err(`MCP server '${name}' stopped during the call to ${tool} (it may or may not have taken effect)${this.lastStderr()}; it is being restarted`);
      }
      return err(`MCP server '${name}' refused ${tool}: ${(e as Error).message}`);
    }
  }

  /** Stops the server for good (closes the transport, which ends a stdio child). */
  async dispose(): Promise<void> {
    this.disposed = true;
    this.clearTimer();
    await this.starting?.catch(() => undefined);
    await this.closeClient();
  }

  private async connect(): Promise<void> {
    this.set({ status: 'starting' }, null);
    let client: Client | null = null;
    try {
      const transport = await this.resolve();
      client = await this.open(transport);
      if (this.disposed) { await client.close().catch(() => undefined); return; }
      const live = client;
      const tools = await this.listTools(live);
      this.client = live;
      live.onclose = () => this.lost(live);
      live.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
        if (this.client !== live) return;
        const next = await this.listTools(live).catch(() => null);
        if (next && this.client === live) this.set({ status: 'ready', tools: next.length }, next);
      });
      this.failures = 0;
      this.set({ status: 'ready', tools: tools.length }, tools);
    } catch (e) {
      await client?.close().catch(() => undefined);
      if (this.disposed) return;
      this.retry(`${(e as Error).message}${this.lastStderr()}`);
    }
  }

  /** Connects over the configured transport within the start timeout. */
  private async open(t: McpTransportConfig): Promise<Client> {
    const attempt = async (transport: Transport): Promise<Client> => {
      const client = new Client(CLIENT_INFO, { capabilities: {} });
      try {
        await client.connect(transport, { timeout: this.timing.startTimeoutMs });
        this.transport = transport;
        return client;
      } catch (e) {
        await client.close().catch(() => undefined);
        throw e;
      }
    };
    const headers = { requestInit: { headers: (t.kind === 'stdio' ? {} : t.headers) } };
    switch (t.kind) {
      case 'stdio': {
        const transport = new StdioClientTransport({ command: t.command, args: t.args, env: t.env, cwd: t.cwd ?? undefined, stderr: 'pipe' });
        transport.stderr?.on('data', (chunk: Buffer) => this.keepStderr(chunk.toString('utf8')));
        return attempt(transport).catch((e: Error) => {
          throw new Error(/ENOENT/.test(e.message) ? `cannot start '${t.command}': command not found (check "command" and PATH)` : startError(e, this.timing.startTimeoutMs));
        });
      }
      case 'sse':
        return attempt(new SSEClientTransport(new URL(t.url), headers)).catch((e: Error) => { throw new Error(startError(e, this.timing.startTimeoutMs)); });
      case 'http':
        try {
          return await attempt(new StreamableHTTPClientTransport(new URL(t.url), headers));
        } catch (first) {
          // Older servers speak only the 2024-11-05 HTTP+SSE transport: try it before giving up.
          this.events.log(`MCP server '${this.config.name}': Streamable HTTP failed (${(first as Error).message}); trying SSE`);
          return attempt(new SSEClientTransport(new URL(t.url), headers)).catch(() => { throw new Error(startError(first as Error, this.timing.startTimeoutMs)); });
        }
    }
  }

  private async listTools(client: Client): Promise<McpToolInfo[]> {
    const tools: McpToolInfo[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor ? { cursor } : undefined, { timeout: this.timing.startTimeoutMs });
      tools.push(...(page.tools as McpToolInfo[]));
      cursor = page.nextCursor;
    } while (cursor && tools.length < 10_000);
    return tools;
  }

  /** The server went away by itself: restart it with backoff. */
  private lost(client: Client): void {
    if (this.client !== client || this.disposed) return;
    this.client = null;
    this.retry(`the server exited${this.lastStderr()}`);
  }

  private retry(error: string): void {
    this.failures++;
    this.events.log(`MCP server '${this.config.name}': ${error}`);
    if (this.failures > this.timing.maxRestarts) {
      this.set({ status: 'failed', error: `${error} (gave up after ${this.timing.maxRestarts} restarts: fix it, then Restart)` }, null);
      return;
    }
    const delay = Math.min(this.timing.backoffMaxMs, this.timing.backoffMs * 2 ** (this.failures - 1));
    this.clearTimer();
    this.restartTimer = setTimeout(() => { this.restartTimer = null; void this.start(); }, delay);
    this.restartTimer.unref();
    this.set({ status: 'restarting', error, retryAt: Date.now() + delay }, null);
  }

  private set(status: McpServerStatus, tools: McpToolInfo[] | null): void {
    this.status = status;
    this.events.changed(status, tools);
  }

  private keepStderr(text: string): void {
    for (const line of text.split('\n')) if (line.trim()) this.stderr.push(line.trim().slice(0, 300));
    this.stderr.splice(0, Math.max(0, this.stderr.length - STDERR_LINES));
  }

  private lastStderr(): string {
    const last = this.stderr.at(-1);
    return last ? ` (last stderr: ${last})` : '';
  }

  private clearTimer(): void {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
  }

  private async closeClient(): Promise<void> {
    const c = this.client;
    this.client = null;
    await c?.close().catch(() => undefined);
  }
}

/** Whether `e` is the SDK's error with this code (the SDK types `McpError.code` as a number, not its enum). */
function isMcpError(e: unknown, code: ErrorCode): boolean {
  return e instanceof McpError && e.code === Number(code);
}

function err(content: string): ToolOutcome {
  return { content, isError: true };
}

function startError(e: Error, timeoutMs: number): string {
  if (isMcpError(e, ErrorCode.RequestTimeout)) return `did not answer 'initialize' within ${Math.round(timeoutMs / 1000)} s`;
  if (isMcpError(e, ErrorCode.ConnectionClosed)) return 'exited before it finished starting';
  return `could not connect: ${e.message}`;
}
