/**
 * AIOS as an MCP server: other agent tools (Claude Code, Copilot agent mode, Cline, the
 * Inspector) spawn, watch and steer AIOS agents through these tools. There is deliberately no
 * tool to answer an approval: the agents' approvals go to the developer (terminal or VS Code),
 * never to the model that called us. The kernel comes in through a narrow port.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import type { ValidateFunction } from 'ajv';
import { z } from 'zod';
import { checkInput, inputJsonSchema, inputValidator, type ToolInput } from '../kernel/ports/toolInput';

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

const pid = z.int().min(1).describe('the agent\'s process id (from list_agents or spawn_agent)');
const task = z.string().min(1).max(20000);

/** One tool of the server: its input in zod, and what it does with the typed input. */
interface AiosToolDefinition<S extends z.ZodType> extends Omit<Tool, 'inputSchema'> {
  input: S;
  run: (port: AiosKernelPort, input: ToolInput<S>, signal: AbortSignal) => string | Promise<string>;
}

/** A tool as the server lists it, and its call: the input checked by the one validator, then run typed. */
interface AiosTool {
  tool: Tool;
  call(port: AiosKernelPort, args: unknown, signal: AbortSignal): Promise<CallToolResult>;
}

function aiosTool<S extends z.ZodType>({ input, run, ...declared }: AiosToolDefinition<S>): AiosTool {
  const inputSchema = inputJsonSchema(input);
  // The schema was generated from `input`: what passes it is a ToolInput<S>.
  const validate = inputValidator(inputSchema) as ValidateFunction<ToolInput<S>>;
  return {
    tool: { ...declared, inputSchema: { ...inputSchema, type: 'object' } },
    async call(port, args, signal) {
      const checked = checkInput(declared.name, validate, args);
      if (!checked.ok) return fail(checked.error);
      try {
        return ok(await run(port, checked.input, signal));
      } catch (err) {
        return fail((err as Error).message);
      }
    },
  };
}

/** The tools, with input schemas and hints for the calling tool's own approval UI. */
const TOOLS: AiosTool[] = [
  aiosTool({
    name: 'spawn_agent',
    description: 'Start an AIOS agent on a task in the workspace. It runs under AIOS\'s scheduler, budgets and approvals: anything risky it wants to do is asked of the developer, not of you. Returns its pid.',
    input: z.strictObject({ task, role: z.string().max(64).optional().describe('e.g. coder, tester, reviewer (default coder)'), priority: z.int().min(0).max(99).optional() }),
    annotations: { title: 'Spawn agent', readOnlyHint: false, destructiveHint: false, openWorldHint: false },
    run: (port, a) => {
      const agent = port.spawn(a.task, a.role ?? null, a.priority ?? null);
      return `spawned agent ${agent.pid} (${agent.name}, ${agent.role}, model ${agent.model}).\nFollow it with wait_for_agent or read_transcript.\n\n${summaryLine(agent)}`;
    },
  }),
  aiosTool({
    name: 'list_agents',
    description: 'List AIOS agents: pid, name, role, state, steps, tokens, cost and result.',
    input: z.strictObject({}),
    annotations: { title: 'List agents', readOnlyHint: true, openWorldHint: false },
    run: (port) => {
      const agents = port.list();
      return agents.length ? agents.map(summaryLine).join('\n') : 'no agents yet: spawn one with spawn_agent';
    },
  }),
  aiosTool({
    name: 'read_transcript',
    description: 'Read what an agent said and did (its messages, tool calls, results, approvals and state changes), oldest first.',
    input: z.strictObject({ pid, limit: z.int().min(1).max(500).optional().describe('most recent entries to return (default 100)') }),
    annotations: { title: 'Read transcript', readOnlyHint: true, openWorldHint: false },
    run: (port, a) => port.transcript(a.pid, a.limit ?? 100),
  }),
  aiosTool({
    name: 'send_message',
    description: 'Send a message to a running agent; it reads it at its next step.',
    input: z.strictObject({ pid, message: z.string().min(1).max(20000) }),
    annotations: { title: 'Send message', readOnlyHint: false, destructiveHint: false, openWorldHint: false },
    run: (port, a) => port.sendMessage(a.pid, a.message),
  }),
  aiosTool({
    name: 'suspend_agent',
    description: 'Suspend an agent (it stops after its current step; resume_agent continues it).',
    input: z.strictObject({ pid }),
    annotations: { title: 'Suspend agent', readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    run: (port, a) => port.suspend(a.pid),
  }),
  aiosTool({
    name: 'resume_agent',
    description: 'Resume a suspended agent.',
    input: z.strictObject({ pid }),
    annotations: { title: 'Resume agent', readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    run: (port, a) => `resumed: ${summaryLine(port.resume(a.pid))}`,
  }),
  aiosTool({
    name: 'kill_agent',
    description: 'Kill an agent and its children. Work it has not finished is lost; changes already approved stay.',
    input: z.strictObject({ pid }),
    annotations: { title: 'Kill agent', readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    run: (port, a) => `killed ${port.kill(a.pid).join(', ')}`,
  }),
  aiosTool({
    name: 'route_task',
    description: 'Let AIOS\'s router pick the role for a task (coder, tester, reviewer, ...) and give it to an idle agent of that role or a new one.',
    input: z.strictObject({ task }),
    annotations: { title: 'Route task', readOnlyHint: false, destructiveHint: false, openWorldHint: false },
    run: async (port, a) => {
      const r = await port.route(a.task);
      return `routed to role ${r.role} (${r.tier}, confidence ${r.confidence.toFixed(2)}); ${r.reused ? 'an idle agent took it' : 'a new agent took it'}:\n${summaryLine(r.agent)}`;
    },
  }),
  aiosTool({
    name: 'wait_for_agent',
    description: 'Wait until an agent finishes, fails, is suspended or waits for the developer, up to a number of seconds; returns its state.',
    input: z.strictObject({ pid, seconds: z.int().min(1).max(600).optional().describe('default 60') }),
    annotations: { title: 'Wait for agent', readOnlyHint: true, openWorldHint: false },
    run: async (port, a, signal) => summaryLine(await port.wait(a.pid, (a.seconds ?? 60) * 1000, signal)),
  }),
];

/** The tools as the server lists them. */
export const AIOS_TOOLS: Tool[] = TOOLS.map((t) => t.tool);

/** Builds the MCP server over a kernel port; `connect` it to a transport (stdio for `aios mcp serve`). */
export function createAiosServer(port: AiosKernelPort, version: string): { server: Server; connect: (t: Transport) => Promise<void> } {
  const server = new Server({ name: 'aios', title: 'AIOS agent kernel', version }, {
    capabilities: { tools: {} },
    instructions: 'AIOS runs LLM agents on a workspace like an operating system runs processes. Spawn agents with spawn_agent or route_task, follow them with list_agents, wait_for_agent and read_transcript. Their risky actions are approved by the developer, never by you.',
  });
  const byName = new Map(TOOLS.map((t) => [t.tool.name, t]));
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: AIOS_TOOLS }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const { name } = request.params;
    const tool = byName.get(name);
    if (!tool) return fail(`unknown tool '${name}': use ${AIOS_TOOLS.map((t) => t.name).join(', ')}`);
    return tool.call(port, request.params.arguments ?? {}, extra.signal);
  });
  return { server, connect: (t) => server.connect(t) };
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
