/**
 * AIOS as an MCP server: other agent tools (Claude Code, Copilot agent mode, Cline, the
 * Inspector) spawn, watch and steer AIOS agents through these tools. There is deliberately no
 * tool to answer an approval: the agents' approvals go to the developer (terminal or VS Code),
 * never to the model that called us. The kernel comes in through a narrow port.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { checkInput, inputValidator } from '../kernel/ports/toolInput';

/** One agent as the calling model sees it. */
export interface AgentSummary {
  pid: number;
  name: string;
  role: string;
  state: string;
  /** why it waits, was suspended, failed or was killed */
  reason: string | null;
  task: string;
  model: string;
  steps: number;
  tokens: number;
  dollars: number;
  result: string | null;
}

/** What the server needs from a kernel session. Every method throws an Error whose message is for the caller. */
export interface AiosKernelPort {
  spawn(task: string, role: string | null, priority: number | null): AgentSummary;
  list(): AgentSummary[];
  /** the agent's conversation and events, readable, oldest first */
  transcript(pid: number, limit: number): string;
  /** null when the kernel cannot take messages (the reason is for the caller) */
  sendMessage(pid: number, text: string): string;
  suspend(pid: number): string;
  resume(pid: number): AgentSummary;
  kill(pid: number): number[];
  route(task: string): Promise<{ agent: AgentSummary; role: string; tier: string; confidence: number; reused: boolean }>;
  /** resolves when the agent ends or needs the developer, or after `ms` */
  wait(pid: number, ms: number, signal: AbortSignal): Promise<AgentSummary>;
}

const pid = { type: 'integer', minimum: 1, description: 'the agent\'s process id (from list_agents or spawn_agent)' } as const;

/** The tools, with input schemas and hints for the calling tool's own approval UI. */
export const AIOS_TOOLS: Tool[] = [
  {
    name: 'spawn_agent',
    description: 'Start an AIOS agent on a task in the workspace. It runs under AIOS\'s scheduler, budgets and approvals: anything risky it wants to do is asked of the developer, not of you. Returns its pid.',
    inputSchema: { type: 'object', properties: { task: { type: 'string', minLength: 1, maxLength: 20000 }, role: { type: 'string', maxLength: 64, description: 'e.g. coder, tester, reviewer (default coder)' }, priority: { type: 'integer', minimum: 0, maximum: 99 } }, required: ['task'], additionalProperties: false },
    annotations: { title: 'Spawn agent', readOnlyHint: false, destructiveHint: false, openWorldHint: false },
  },
  {
    name: 'list_agents',
    description: 'List AIOS agents: pid, name, role, state, steps, tokens, cost and result.',
    inputSchema: { type: 'object', properties: {}, additionalProperties: false },
    annotations: { title: 'List agents', readOnlyHint: true, openWorldHint: false },
  },
  {
    name: 'read_transcript',
    description: 'Read what an agent said and did (its messages, tool calls, results, approvals and state changes), oldest first.',
    inputSchema: { type: 'object', properties: { pid, limit: { type: 'integer', minimum: 1, maximum: 500, description: 'most recent entries to return (default 100)' } }, required: ['pid'], additionalProperties: false },
    annotations: { title: 'Read transcript', readOnlyHint: true, openWorldHint: false },
  },
  {
    name: 'send_message',
    description: 'Send a message to a running agent; it reads it at its next step.',
    inputSchema: { type: 'object', properties: { pid, message: { type: 'string', minLength: 1, maxLength: 20000 } }, required: ['pid', 'message'], additionalProperties: false },
    annotations: { title: 'Send message', readOnlyHint: false, destructiveHint: false, openWorldHint: false },
  },
  {
    name: 'suspend_agent',
    description: 'Suspend an agent (it stops after its current step; resume_agent continues it).',
    inputSchema: { type: 'object', properties: { pid }, required: ['pid'], additionalProperties: false },
    annotations: { title: 'Suspend agent', readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  },
  {
    name: 'resume_agent',
    description: 'Resume a suspended agent.',
    inputSchema: { type: 'object', properties: { pid }, required: ['pid'], additionalProperties: false },
    annotations: { title: 'Resume agent', readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  },
  {
    name: 'kill_agent',
    description: 'Kill an agent and its children. Work it has not finished is lost; changes already approved stay.',
    inputSchema: { type: 'object', properties: { pid }, required: ['pid'], additionalProperties: false },
    annotations: { title: 'Kill agent', readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  },
  {
    name: 'route_task',
    description: 'Let AIOS\'s router pick the role for a task (coder, tester, reviewer, ...) and give it to an idle agent of that role or a new one.',
    inputSchema: { type: 'object', properties: { task: { type: 'string', minLength: 1, maxLength: 20000 } }, required: ['task'], additionalProperties: false },
    annotations: { title: 'Route task', readOnlyHint: false, destructiveHint: false, openWorldHint: false },
  },
  {
    name: 'wait_for_agent',
    description: 'Wait until an agent finishes, fails, is suspended or waits for the developer, up to a number of seconds; returns its state.',
    inputSchema: { type: 'object', properties: { pid, seconds: { type: 'integer', minimum: 1, maximum: 600, description: 'default 60' } }, required: ['pid'], additionalProperties: false },
    annotations: { title: 'Wait for agent', readOnlyHint: true, openWorldHint: false },
  },
];

/** Builds the MCP server over a kernel port; `connect` it to a transport (stdio for `aios mcp serve`). */
export function createAiosServer(port: AiosKernelPort, version: string): { server: Server; connect: (t: Transport) => Promise<void> } {
  const server = new Server({ name: 'aios', title: 'AIOS agent kernel', version }, {
    capabilities: { tools: {} },
    instructions: 'AIOS runs LLM agents on a workspace like an operating system runs processes. Spawn agents with spawn_agent or route_task, follow them with list_agents, wait_for_agent and read_transcript. Their risky actions are approved by the developer, never by you.',
  });
  const validators = new Map(AIOS_TOOLS.map((t) => [t.name, inputValidator(t.inputSchema)]));
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: AIOS_TOOLS }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const { name } = request.params;
    const args = (request.params.arguments ?? {}) as Record<string, unknown>;
    const validate = validators.get(name);
    if (!validate) return fail(`unknown tool '${name}': use ${AIOS_TOOLS.map((t) => t.name).join(', ')}`);
    const checked = checkInput(name, validate, args);
    if (!checked.ok) return fail(checked.error);
    try {
      return ok(await dispatch(port, name, args, extra.signal));
    } catch (err) {
      return fail((err as Error).message);
    }
  });
  return { server, connect: (t) => server.connect(t) };
}

async function dispatch(port: AiosKernelPort, name: string, a: Record<string, unknown>, signal: AbortSignal): Promise<string> {
  const n = (key: string) => a[key] as number;
  const s = (key: string) => a[key] as string;
  switch (name) {
    case 'spawn_agent': {
      const agent = port.spawn(s('task'), (a.role as string | undefined) ?? null, (a.priority as number | undefined) ?? null);
      return `spawned agent ${agent.pid} (${agent.name}, ${agent.role}, model ${agent.model}).\nFollow it with wait_for_agent or read_transcript.\n\n${summaryLine(agent)}`;
    }
    case 'list_agents': {
      const agents = port.list();
      return agents.length ? agents.map(summaryLine).join('\n') : 'no agents yet: spawn one with spawn_agent';
    }
    case 'read_transcript':
      return port.transcript(n('pid'), (a.limit as number | undefined) ?? 100);
    case 'send_message':
      return port.sendMessage(n('pid'), s('message'));
    case 'suspend_agent':
      return port.suspend(n('pid'));
    case 'resume_agent':
      return `resumed: ${summaryLine(port.resume(n('pid')))}`;
    case 'kill_agent':
      return `killed ${port.kill(n('pid')).join(', ')}`;
    case 'route_task': {
      const r = await port.route(s('task'));
      return `routed to role ${r.role} (${r.tier}, confidence ${r.confidence.toFixed(2)}); ${r.reused ? 'an idle agent took it' : 'a new agent took it'}:\n${summaryLine(r.agent)}`;
    }
    case 'wait_for_agent':
      return summaryLine(await port.wait(n('pid'), ((a.seconds as number | undefined) ?? 60) * 1000, signal));
    default:
      throw new Error(`unknown tool '${name}'`);
  }
}

/** One line per agent, the same fields every time. */
export function summaryLine(a: AgentSummary): string {
  const usage = `${a.steps} steps, ${a.tokens} tokens, $${a.dollars.toFixed(4)}`;
  const reason = a.reason ? ` (${a.reason})` : '';
  const result = a.result ? `\n  result: ${a.result}` : '';
  return `agent ${a.pid} ${a.name} [${a.role}] ${a.state}${reason} — ${usage} — model ${a.model}\n  task: ${a.task}${result}`;
}

function ok(text: string): CallToolResult {
  return { content: [{ type: 'text', text }] };
}

function fail(text: string): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}
