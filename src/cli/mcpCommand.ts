/**
 * `aios mcp list` (the configured MCP servers, started to show their state and tools) and
 * `aios mcp serve` (AIOS as an MCP server on stdio).
 */
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from '@commander-js/extra-typings';
import { version } from '../../package.json';
import { KernelSession } from '../session/kernelSession';
import type { ApprovalClient } from '../kernel/ports/approvals';
import { McpManager, type McpServerInfo } from '../mcp/manager';
import { escapeControl } from '../text/displayText';
import { ToolRegistry } from '../tools/registry';
import { AutoApprovals, TerminalApprovals } from './approvalPrompt';
import { serveStdio, workspaceDefaultModel } from './mcpServe';
import { SocketApprovals } from './socketApprovals';
import { controllingTerminal, stdioTerminal, terminalMcpOptions } from './mcpTerminal';
import { folder, UsageError } from './usage';

/** `aios mcp list`'s options, as commander parsed them. */
interface ListOptions {
  workspace?: string;
  json?: true;
  start: boolean;
  yes?: true;
}

/** `aios mcp serve`'s options, as commander parsed them. */
interface ServeOptions {
  workspace?: string;
  db?: string;
  model?: string;
  yes?: true;
  denyRisky?: true;
  sandbox: boolean;
  approvalsSocket?: string;
}

export function registerMcp(program: Command): void {
  const mcp = program.command('mcp')
    .summary('MCP servers of a workspace; AIOS as an MCP server')
    .description('The MCP servers configured for a workspace, and AIOS itself as an MCP server on stdio.');
  mcp.command('list')
    .summary('the MCP servers of a workspace, their state and tools')
    .description(`The MCP servers configured for a workspace (.vscode/mcp.json, .aios/mcp.json), started to show their state and tools. A workspace stdio server asks before it starts (once per command line); without a terminal it is not started unless --yes. Exits 1 when a server failed.`)
    .option('--workspace <DIR>', 'the workspace (default: the current folder)', folder)
    .option('--json', 'print {"servers": […], "problems": […]}')
    .option('--no-start', 'do not start the servers (state and tools unknown)')
    .option('--yes', "start the workspace's stdio servers without asking")
    .action(async (o) => { process.exitCode = await list(o); });
  mcp.command('serve')
    .summary('AIOS as an MCP server on stdio')
    .description(`AIOS as an MCP server on stdio: other agent tools spawn, list, watch, suspend, resume, kill agents and route tasks. Agents' approvals are asked on this terminal (/dev/tty), never of the calling model; without a terminal they are denied (--yes approves).`)
    .option('--workspace <DIR>', 'the folder the agents work on (default: the current folder)', folder)
    .option('--db <FILE>', 'the database (default: <workspace>/.aios/aios.db)')
    .option('--model <M>', "the agents' model (default: the workspace's .aios/scripts/default.json)")
    .option('--yes', 'approve everything the policy would ask about')
    .option('--deny-risky', 'deny everything the policy would ask about')
    .option('--no-sandbox', 'run without the Docker sandbox (no run_command)')
    .option('--approvals-socket <PATH>', 'set by the VS Code extension: approvals are asked in the editor')
    .action(async (o) => { process.exitCode = await serve(o); });
}

async function list(o: ListOptions): Promise<number> {
  const workspace = o.workspace ?? resolve('.');
  const note = (line: string) => process.stderr.write(`${line}\n`);
  const terminal = stdioTerminal();
  const registry = new ToolRegistry();
  const manager = new McpManager({ workspace, sink: registry, log: note, watchMs: 0, ...terminalMcpOptions(terminal, o.yes === true, note) });
  try {
    if (o.start) await manager.activate();
    const servers = manager.list();
    if (o.json) {
      process.stdout.write(`${JSON.stringify({ servers: servers.map(({ pid: _pid, ...s }) => s), problems: manager.problems })}\n`);
    } else if (servers.length === 0) {
      process.stdout.write(`no MCP servers configured for ${workspace}: add .vscode/mcp.json ("servers") or .aios/mcp.json ("mcpServers")\n`);
    } else {
      for (const s of servers) process.stdout.write(`${describeServer(s)}\n`);
    }
    return servers.some((s) => s.state.status === 'failed') ? 1 : 0;
  } finally {
    await manager.dispose();
    terminal?.close();
  }
}

/** One server in a few lines: name, state, where from, what runs, its tools. */
export function describeServer(s: McpServerInfo): string {
  const st = s.state;
  const state = st.status === 'ready' ? `ready with ${st.tools} tools`
    : st.status === 'failed' ? `failed: ${st.error}`
    : st.status === 'restarting' ? `restarting: ${st.error}`
    : st.status === 'blocked' ? `not started: ${st.reason}`
    : st.status === 'idle' ? 'not started (starts when an agent needs it)'
    : st.status;
  const e = escapeControl;
  const lines = [`${e(s.name)}  ${e(state)}`, `  from: ${e(s.origin)}`, `  ${s.transport}: ${e(s.target)}`];
  if (s.tools.length) lines.push(`  tools: ${s.tools.join(', ')}`);
  if (s.alwaysAllow.length) lines.push(`  always allowed: ${s.alwaysAllow.join(', ')}`);
  return lines.join('\n');
}

async function serve(o: ServeOptions): Promise<number> {
  if (o.yes && o.denyRisky) throw new UsageError('--yes and --deny-risky contradict each other: give one');
  const workspace = o.workspace ?? resolve('.');
  const dbPath = resolve(o.db ?? join(workspace, '.aios', 'aios.db'));
  mkdirSync(dirname(dbPath), { recursive: true });
  const note = (line: string) => process.stderr.write(`aios mcp: ${line}\n`);
  const socket = o.approvalsSocket;
  const terminal = o.yes || o.denyRisky || socket ? null : controllingTerminal();
  const editor = socket && !o.yes && !o.denyRisky ? new SocketApprovals(socket) : null;
  const approvals: ApprovalClient = o.yes ? new AutoApprovals('approve', note)
    : editor ?? (terminal ? new TerminalApprovals(terminal.input, terminal.output) : new AutoApprovals('deny', note));
  if (!o.yes && !terminal && !editor) note('no terminal to ask on: what the agents need approved is denied (start with --yes to approve, or run from a terminal)');
  const model = o.model ?? workspaceDefaultModel(workspace);
  const session = KernelSession.open({
    dbPath, workspace, approvals,
    sandbox: o.sandbox ? {} : false,
    log: note,
    mcp: { ...terminalMcpOptions(terminal, o.yes === true, note) },
  });
  try {
    note(`serving ${workspace} (database ${dbPath}) on stdio; model ${model ?? '(none: spawn_agent will say so)'}${model?.startsWith('scripted:') ? ' — the offline scripted model, not a real one' : ''}`);
    await serveStdio(session, model, version);
    return 0;
  } finally {
    await session.close();
    terminal?.close();
    editor?.close();
  }
}
