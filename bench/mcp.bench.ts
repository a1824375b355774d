/**
 * MCP benchmarks against the reference server from npm (server-everything over stdio):
 * - mcp.call_overhead: what the kernel's tool path (schema check, policy, audit, events, our
 *   connection) adds to a tools/call over the SDK client calling the same server directly.
 *   Target: ≤ 5 ms added at p50.
 * - mcp.session_open_10_servers: what 10 configured servers add to opening a kernel session
 *   (they start lazily, on an agent's first step). Target: ≤ 100 ms.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { KernelSession } from '../src/session/kernelSession';
import type { ApprovalClient } from '../src/kernel/ports/approvals';
import { ToolCaller } from '../src/kernel/step/toolCalls';
import { everythingServer } from '../test/support/mcpFixtures';
import { round, type BenchCase, type BenchResult } from './harness';

const denyAll: ApprovalClient = { ask: async () => ({ decision: 'deny', reason: 'bench' }) };
const noLaunch = { approve: async () => false };

function workspace(): { dir: string; db: string } {
  const root = mkdtempSync(join(tmpdir(), 'aios-bench-mcp-'));
  const dir = join(root, 'ws');
  mkdirSync(dir);
  return { dir, db: join(root, 'aios.db') };
}

function p(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

async function callOverhead(): Promise<BenchResult> {
  const w = workspace();
  const session = KernelSession.open({
    dbPath: w.db, workspace: w.dir, approvals: denyAll, sandbox: false, controlPollMs: 0, safety: { heartbeat: false, loopIntervalMs: 0 },
    mcp: { trusted: true, userServers: { everything: everythingServer() }, launch: noLaunch, ask: async () => null, watchMs: 0 },
  });
  const direct = new Client({ name: 'bench', version: '1' }, { capabilities: {} });
  try {
    await session.runtime.stop(); // the caller is driven by hand: no step loop
    await session.mcp!.activate();
    const agent = session.kernel.spawn({ task: 'bench', model: 'scripted' });
    const caller = new ToolCaller({ kernel: session.kernel, tools: session.registry, policy: session.policy, approvals: denyAll, session: session.id, approvalTimeoutMs: 1000 });
    const server = everythingServer();
    await direct.connect(new StdioClientTransport({ command: server.command, args: server.args, stderr: 'ignore' }));
    const signal = new AbortController().signal;
    const ours: number[] = [];
    const theirs: number[] = [];
    const rounds = 400;
    for (let i = 0; i < rounds + 20; i++) {
      // alternate, so drift (GC, the other engineers' load) hits both sides alike
      let t = performance.now();
      const r = await caller.call(agent, { id: `c${i}`, name: 'everything__echo', input: { message: `m${i}` } }, signal);
      const a = performance.now() - t;
      if (r.isError) throw new Error(`the kernel's call failed: ${r.content}`);
      t = performance.now();
      await direct.callTool({ name: 'echo', arguments: { message: `m${i}` } });
      const b = performance.now() - t;
      if (i >= 20) { ours.push(a); theirs.push(b); }
    }
    session.kernel.events.flush();
    ours.sort((x, y) => x - y);
    theirs.sort((x, y) => x - y);
    const oursP50 = p(ours, 0.5);
    const theirsP50 = p(theirs, 0.5);
    return {
      name: 'mcp.call_overhead',
      ops_per_sec: Math.round(1000 / oursP50),
      p50_us: round(oursP50 * 1000),
      p99_us: round(p(ours, 0.99) * 1000),
      direct_sdk_p50_us: round(theirsP50 * 1000),
      added_p50_ms: round(oursP50 - theirsP50),
      target_added_p50_ms: 5,
      pass: oursP50 - theirsP50 <= 5,
      calls: rounds,
    };
  } finally {
    await direct.close();
    await session.close();
  }
}

async function sessionOpen(): Promise<BenchResult> {
  const servers = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`s${i}`, { type: 'stdio', ...everythingServer() }]));
  const timings: Record<'none' | 'ten', number[]> = { none: [], ten: [] };
  for (let i = 0; i < 24; i++) {
    for (const kind of ['none', 'ten'] as const) {
      const w = workspace();
      if (kind === 'ten') {
        mkdirSync(join(w.dir, '.vscode'));
        writeFileSync(join(w.dir, '.vscode', 'mcp.json'), JSON.stringify({ servers }));
      }
      const t = performance.now();
      const session = KernelSession.open({
        dbPath: w.db, workspace: w.dir, approvals: denyAll, sandbox: false, controlPollMs: 0, safety: { heartbeat: false, loopIntervalMs: 0 },
        mcp: { trusted: true, launch: noLaunch, ask: async () => null },
      });
      const ms = performance.now() - t;
      if (kind === 'ten' && session.mcp!.list().length !== 10) throw new Error('the 10 servers were not configured');
      if (kind === 'ten' && session.mcp!.list().some((s) => s.state.status !== 'idle')) throw new Error('a server started with the session');
      await session.close();
      if (i >= 4) timings[kind].push(ms);
    }
  }
  timings.none.sort((a, b) => a - b);
  timings.ten.sort((a, b) => a - b);
  const ten = p(timings.ten, 0.5);
  const none = p(timings.none, 0.5);
  return {
    name: 'mcp.session_open_10_servers',
    ops_per_sec: Math.round(1000 / ten),
    p50_us: round(ten * 1000),
    p99_us: round(p(timings.ten, 0.99) * 1000),
    no_servers_p50_us: round(none * 1000),
    added_p50_ms: round(ten - none),
    target_added_ms: 100,
    pass: ten - none <= 100,
  };
}

export const cases: BenchCase[] = [
  { name: 'mcp.call_overhead', run: callOverhead },
  { name: 'mcp.session_open_10_servers', run: sessionOpen },
];
