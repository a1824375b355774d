/**
 * `aios mcp list` (the configured MCP servers, started to show their state and tools) and
 * `aios mcp serve` (AIOS as an MCP server on stdio). Returns the exit code; usage errors print
 * one line and return 2.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
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

const HELP = {
  mcp: `aios mcp list [--workspace DIR] [--json] [--no-start] [--yes]
aios mcp serve [--workspace DIR] [--db FILE] [--model M] [--yes | --deny-risky] [--no-sandbox]
               [--approvals-socket PATH]   (set by the VS Code extension: approvals asked in the editor)

  list    the MCP servers configured for a workspace (.vscode/mcp.json, .aios/mcp.json), started
          to show their state and tools. A workspace stdio server asks before it starts (once per
          command line); without a terminal it is not started unless --yes.
  serve   AIOS as an MCP server on stdio: other agent tools spawn, list, watch, suspend, resume,
          kill agents and route tasks. Agents' approvals are asked on this terminal (/dev/tty),
          never of the calling model; without a terminal they are denied (--yes approves).`,
};

class Usage extends Error {}

/** `aios mcp …`; returns the exit code. */
export async function mcpCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    switch (sub) {
      case 'list': return await list(rest);
      case 'serve': return await serve(rest);
      case undefined: case '-h': case '--help': case 'help': process.stdout.write(`${HELP.mcp}\n`); return 0;
      default: throw new Usage(`unknown mcp command '${sub}': use list or serve (aios mcp --help)`);
    }
  } catch (err) {
    if (!(err instanceof Usage)) throw err;
    process.stderr.write(`aios: ${err.message}\n`);
    return 2;
  }
}

function flags(argv: string[], options: Record<string, { type: 'string' | 'boolean' }>): Record<string, string | boolean | undefined> {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    if (positionals.length) throw new Usage(`unexpected argument '${positionals[0]}'; see 'aios mcp --help'`);
    return values as Record<string, string | boolean | undefined>;
  } catch (err) {
    if (err instanceof Usage) throw err;
    throw new Usage(`${(err as Error).message.split('\n')[0]}; see 'aios mcp --help'`);
  }
}

function workspaceOf(value: string | boolean | undefined): string {
  const workspace = resolve((value as string | undefined) ?? '.');
  if (!existsSync(workspace) || !statSync(workspace).isDirectory()) throw new Usage(`workspace ${workspace} is not a folder`);
  return workspace;
}

async function list(argv: string[]): Promise<number> {
  const v = flags(argv, { workspace: { type: 'string' }, json: { type: 'boolean' }, 'no-start': { type: 'boolean' }, yes: { type: 'boolean' } });
  if (v.help) { process.stdout.write(`${HELP.mcp}\n`); return 0; }
  const workspace = workspaceOf(v.workspace);
  const note = (line: string) => process.stderr.write(`${line}\n`);
  const terminal = stdioTerminal();
  const registry = new ToolRegistry();
  const manager = new McpManager({ workspace, sink: registry, log: note, watchMs: 0, ...terminalMcpOptions(terminal, v.yes === true, note) });
  try {
    if (!v['no-start']) await manager.activate();
    const servers = manager.list();
    if (v.json) {
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

async function serve(argv: string[]): Promise<number> {
  const v = flags(argv, { workspace: { type: 'string' }, db: { type: 'string' }, model: { type: 'string' }, yes: { type: 'boolean' }, 'deny-risky': { type: 'boolean' }, 'no-sandbox': { type: 'boolean' }, 'approvals-socket': { type: 'string' } });
  if (v.help) { process.stdout.write(`${HELP.mcp}\n`); return 0; }
  if (v.yes && v['deny-risky']) throw new Usage('--yes and --deny-risky contradict each other: give one');
  const workspace = workspaceOf(v.workspace);
  const dbPath = resolve((v.db as string | undefined) ?? join(workspace, '.aios', 'aios.db'));
  mkdirSync(dirname(dbPath), { recursive: true });
  const note = (line: string) => process.stderr.write(`aios mcp: ${line}\n`);
  const socket = v['approvals-socket'] as string | undefined;
  const terminal = v.yes || v['deny-risky'] || socket ? null : controllingTerminal();
  const editor = socket && !v.yes && !v['deny-risky'] ? new SocketApprovals(socket) : null;
  const approvals: ApprovalClient = v.yes ? new AutoApprovals('approve', note)
    : editor ?? (terminal ? new TerminalApprovals(terminal.input, terminal.output) : new AutoApprovals('deny', note));
  if (!v.yes && !terminal && !editor) note('no terminal to ask on: what the agents need approved is denied (start with --yes to approve, or run from a terminal)');
  const model = (v.model as string | undefined) ?? workspaceDefaultModel(workspace);
  const session = KernelSession.open({
    dbPath, workspace, approvals,
    sandbox: v['no-sandbox'] ? false : {},
    log: note,
    mcp: { ...terminalMcpOptions(terminal, v.yes === true, note) },
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
