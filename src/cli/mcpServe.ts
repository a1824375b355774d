/**
 * `aios mcp serve`: one kernel session behind the AIOS MCP server on stdio. stdout is the MCP
 * channel, so everything else (logs, the developer's approval prompts) goes to stderr and the
 * controlling terminal (/dev/tty). Approvals go to the developer there, or are denied: never to
 * the model that called us.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { KernelSession } from '../session/kernelSession';
import type { AgentRecord } from '../kernel/types';
import { createAiosServer, type AgentSummary, type AiosKernelPort } from '../mcp/aiosServer';
import { escapeControl, escapeControlKeepLines } from '../text/displayText';
import { progressLine } from './progress';

const ENDED = ['done', 'failed', 'killed'];
const TOOL_RESULT_CHARS = 2000;

/** The kernel session as the MCP server's port. `model` is what spawned agents run on (the developer's choice, not the caller's). */
export function sessionPort(session: KernelSession, model: string | null): AiosKernelPort {
  const k = session.kernel;
  const needModel = (): string => {
    if (model) return model;
    throw new Error('this AIOS server was started without a model: the developer must restart it with --model (scripted:PATH or an Anthropic model id), or add .aios/scripts/default.json to the workspace');
  };
  const agent = (pid: number) => {
    const a = k.table.find(pid);
    if (!a) throw new Error(`no agent ${pid}: list_agents shows the pids`);
    return a;
  };
  return {
    spawn: (task, role, priority) => summary(session.spawn({ task, model: needModel(), role: role ?? 'coder', priority: priority ?? undefined })),
    list: () => k.table.list().map(summary),
    transcript: (pid, limit) => transcript(session, agent(pid), limit),
    sendMessage: (pid) => {
      agent(pid);
      throw new Error('send_message is not available in this version of AIOS (agents cannot take messages mid-run yet): kill the agent and spawn one with the extra instructions in its task, or use route_task');
    },
    suspend: (pid) => {
      const a = agent(pid);
      if (ENDED.includes(a.state)) throw new Error(`agent ${pid} has already ended (${a.state})`);
      return k.suspend(pid, 'suspended through MCP') === 'now' ? `agent ${pid} is suspended` : `agent ${pid} will be suspended at the end of its current step`;
    },
    resume: (pid) => {
      const before = agent(pid);
      if (before.state !== 'suspended') throw new Error(`agent ${pid} is not suspended (it is ${before.state}): only a suspended agent can be resumed`);
      const a = k.resume(pid);
      session.runtime.wake();
      return summary(a);
    },
    kill: (pid) => {
      const a = agent(pid);
      if (ENDED.includes(a.state)) throw new Error(`agent ${pid} has already ended (${a.state})`);
      return k.kill(pid, 'killed through MCP');
    },
    route: async (task) => {
      const r = await session.routeTask(task, { model: needModel() });
      return { agent: summary(r.agent), role: r.decision.role, tier: r.decision.tier, confidence: r.decision.confidence, reused: r.reused };
    },
    wait: (pid, ms, signal) => new Promise((resolve) => {
      agent(pid);
      const settled = () => {
        const a = k.table.get(pid);
        return ENDED.includes(a.state) || a.state === 'suspended' || (a.state === 'waiting' && a.waitReason === 'approval');
      };
      if (settled()) { resolve(summary(k.table.get(pid))); return; }
      const finish = () => { clearTimeout(timer); sub.dispose(); signal.removeEventListener('abort', finish); resolve(summary(k.table.get(pid))); };
      const sub = k.subscribe('agent.state', (e) => { if (e.event.type === 'agent.state' && e.event.pid === pid && settled()) finish(); });
      const timer = setTimeout(finish, ms);
      signal.addEventListener('abort', finish, { once: true });
    }),
  };
}

/** Runs the server on stdio until the client closes the channel. */
export async function serveStdio(session: KernelSession, model: string | null, version: string): Promise<void> {
  const { server, connect } = createAiosServer(sessionPort(session, model), version);
  const closed = new Promise<void>((resolve) => { server.onclose = () => resolve(); });
  await connect(new StdioServerTransport());
  await closed;
}

/** The workspace's default script, if any (as `aios run` uses it). */
export function workspaceDefaultModel(workspace: string): string | null {
  const script = join(workspace, '.aios', 'scripts', 'default.json');
  return existsSync(script) ? `scripted:${script}` : null;
}

function summary(a: AgentRecord): AgentSummary {
  const scripted = a.model === 'scripted' || a.model.startsWith('scripted:');
  return {
    pid: a.pid, name: a.name, role: a.role, state: a.state, reason: a.reason ?? (a.waitReason ? `waiting for ${a.waitReason === 'approval' ? 'the developer\'s approval' : 'a tool'}` : null),
    task: escapeControl(a.task), model: scripted ? `${a.model} (the offline scripted model, not a real one)` : a.model,
    steps: a.usage.steps, tokens: a.usage.inputTokens + a.usage.outputTokens, dollars: a.usage.dollars,
    result: a.result === null ? null : escapeControlKeepLines(a.result),
  };
}

/** What the agent said and did, from its events and tool-result pages, oldest first. */
function transcript(session: KernelSession, a: AgentRecord, limit: number): string {
  const entries: { at: number; seq: number; text: string }[] = [];
  for (const e of session.store.queryEvents({ pid: a.pid, limit: limit * 4 })) {
    const line = progressLine(e, (pid) => session.kernel.table.find(pid));
    if (line) entries.push({ at: e.at, seq: e.seq, text: `${new Date(e.at).toISOString()} ${line}` });
  }
  for (const p of session.store.listPages(a.pid)) {
    if (p.kind !== 'tool_result') continue;
    const text = p.text.length > TOOL_RESULT_CHARS ? `${p.text.slice(0, TOOL_RESULT_CHARS)} [… ${p.text.length - TOOL_RESULT_CHARS} more characters]` : p.text;
    entries.push({ at: p.createdAt, seq: Number.MAX_SAFE_INTEGER, text: `${new Date(p.createdAt).toISOString()} [${a.pid} ${a.name}] tool result:\n    ${text.replace(/\n/g, '\n    ')}` });
  }
  entries.sort((x, y) => x.at - y.at || x.seq - y.seq);
  const shown = entries.slice(-limit);
  const head = `Transcript of agent ${a.pid} (${a.name}, ${a.role}), ${a.state}; task: ${a.task}${shown.length < entries.length ? `\n(${entries.length - shown.length} earlier entries left out; raise limit)` : ''}`;
  return escapeControlKeepLines([head, ...shown.map((e) => e.text), ...(a.result ? [`result: ${a.result}`] : [])].join('\n'));
}
