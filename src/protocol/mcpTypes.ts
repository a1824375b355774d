/**
 * MCP on the wire between the extension and the kernel host: the developer's servers as the
 * Tools view shows them, and what the host asks the developer (starting a workspace server,
 * typing an `${input:ID}`). Plain JSON, like hostTypes.ts.
 */
import type { JsonValue } from './hostTypes';

/** Where a server is in its life. */
export type McpServerStateView =
  | { status: 'idle' }
  | { status: 'starting' }
  | { status: 'ready'; tools: number }
  | { status: 'restarting'; error: string; retryAt: number }
  | { status: 'failed'; error: string }
  | { status: 'blocked'; reason: string }
  | { status: 'disabled' };

/** One configured MCP server. */
export interface McpServerView {
  name: string;
  /** the file it came from, or `settings (aios.mcp.servers)` */
  origin: string;
  transport: 'stdio' | 'http' | 'sse';
  /** the command line or URL, placeholders unresolved */
  target: string;
  state: McpServerStateView;
  /** kernel tool names (`<server>__<tool>`) */
  tools: string[];
  /** kernel tool names allowed without asking (alwaysAllow) */
  alwaysAllow: string[];
}

/** MCP settings the host opens its session with. */
export interface McpSettings {
  /** VS Code's workspace trust: workspace servers start only when true */
  trusted: boolean;
  /** the user-level list (aios.mcp.servers, Cline shape) */
  userServers: JsonValue;
}

/** The developer is asked to start a workspace-defined stdio server. */
export interface McpLaunchView {
  workspace: string;
  server: string;
  file: string;
  /** exactly what runs */
  commandLine: string;
}

/** An `${input:ID}` value to ask for. */
export interface McpInputView {
  id: string;
  description: string;
  password: boolean;
}

/** What the developer can do to a server from the Tools view. */
export type McpServerAction = 'restart' | 'disable' | 'enable';
