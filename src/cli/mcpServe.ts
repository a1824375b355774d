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
import { kernelTranscript } from '../transcript/load';
import { formatEntry, formatStrip } from '../protocol/transcriptFormat';

const ENDED = ['done', 'failed', 'killed'];

/** The kernel session as the MCP server's port. `model` is what spawned agents run on (the developer's choice, not the caller's). */
export function sessionPort(session: KernelSession, model: string | null): AiosKernelPort {
  const k = session.kernel;
  const needModel = (): string => {
    if (model) return model;
    throw new Error('this AIOS server was started without a model: the developer must restart it with --model (scripted:PATH or an Anthropic model id), or add .aios/scripts/default.json to the workspace');
  };
  const agent = (pid: number) => {
    const a = k.agents.find(pid);
    if (!a) throw new Error(`no agent ${pid}: list_agents shows the pids`);
    return a;
  };
  return {
    spawn: (task, role, priority) => summary(session.kernel.spawn({ task, model: needModel(), role: role ?? 'coder', priority: priority ?? undefined })),
    list: () => k.agents.list().map(summary),
    transcript: (pid, limit) => transcript(session, agent(pid), limit),
    sendMessage: (pid, text) => {
      agent(pid);
      const r = session.conversation.send(pid, text);
      switch (r.outcome) {
        case 'delivered': return `delivered to agent ${pid}: it reads the message at its next step`;
        case 'queued': return `queued for agent ${pid}: it enters its context when the current step ends`;
        case 'new_turn': return `agent ${pid} had finished: it takes a new turn with the message`;
        case 'budget': throw new Error(`agent ${pid} has finished and its ${r.violation.budget} budget is spent: the developer must raise it first (nothing was sent)`);
      }
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
        const a = k.agents.get(pid);
        return ENDED.includes(a.state) || a.state === 'suspended' || (a.state === 'waiting' && a.waitReason === 'approval');
      };
      if (settled()) { resolve(summary(k.agents.get(pid))); return; }
      const finish = () => { clearTimeout(timer); sub.dispose(); signal.removeEventListener('abort', finish); resolve(summary(k.agents.get(pid))); };
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

/** The agent's transcript as `aios logs` prints it (the same builder as the transcript tab), the last `limit` entries. */
function transcript(session: KernelSession, a: AgentRecord, limit: number): string {
  const view = kernelTranscript(session.kernel, session.store, a.pid).view();
  const shown = view.entries.slice(-limit);
  const lines = [...formatStrip(view.strip), ...(shown.length < view.entries.length ? [`(${view.entries.length - shown.length} earlier entries left out; raise limit)`] : [])];
  for (const e of shown) lines.push(...formatEntry(e));
  return lines.join('\n');
}
