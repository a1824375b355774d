// The kernel host process over the real protocol: forked with an IPC channel as the extension
// does, speaking JSON-RPC (vscode-jsonrpc), with a real SQLite file and the scripted model.
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createMessageConnection, IPCMessageReader, IPCMessageWriter, type MessageConnection, type ResponseError } from 'vscode-jsonrpc/node';
import { HostErrorCode } from '../../src/protocol/errorCodes';
import { toExtension, toHost, type InitializeParams, type SpawnParams } from '../../src/protocol/hostMethods';
import type { AgentView, ApprovalAnswerView, ApprovalView, EventView, StateSnapshot } from '../../src/protocol/hostTypes';
import { SqliteStore } from '../../src/storage/sqliteStore';

const ROOT = resolve(__dirname, '..', '..');

/** A forked host and the extension side of its connection, recording what the host sends. */
class HostUnderTest {
  readonly approvals: ApprovalView[] = [];
  readonly closed: { id: string; reason: string }[] = [];
  readonly events: EventView[] = [];
  readonly stderr: string[] = [];
  answer: ((view: ApprovalView) => ApprovalAnswerView | null) = () => null;
  readonly connection: MessageConnection;

  constructor(readonly child: ChildProcess, secret: string | null = null) {
    child.stderr?.on('data', (d: Buffer) => this.stderr.push(d.toString()));
    child.stdout?.on('data', (d: Buffer) => this.stderr.push(d.toString()));
    const c = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    c.onRequest(toExtension.secret, () => ({ value: secret }));
    c.onRequest(toExtension.approvalRequested, (view) => {
      this.approvals.push(view);
      const answer = this.answer(view);
      // answered after this request has returned, as a person would
      if (answer) setImmediate(() => void c.sendRequest(toHost.answerApproval, { id: view.id, answer }));
    });
    c.onNotification(toExtension.approvalClosed, (p) => {
      this.closed.push(p);
    });
    c.onNotification(toExtension.changed, (b) => {
      this.events.push(...b.events);
    });
    c.listen();
    this.connection = c;
  }

  static start(secret: string | null = null): HostUnderTest {
    // stdout and stderr are pipes, as the extension's fork gives it (hostSupervisor.ts)
    const child = fork(join(ROOT, 'src', 'host', 'main.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'pipe', 'ipc'], cwd: ROOT });
    return new HostUnderTest(child, secret);
  }

  state(): Promise<StateSnapshot> {
    return this.connection.sendRequest(toHost.state);
  }

  async until<T>(what: string, probe: (s: StateSnapshot) => T | undefined, timeoutMs = 8000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = probe(await this.state());
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; host log:\n${this.stderr.join('')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  agent(name: string): Promise<AgentView> {
    return this.until(`agent ${name}`, (s) => s.agents.find((a) => a.name === name));
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    await Promise.resolve().then(() => this.connection.sendRequest(toHost.shutdown)).catch(() => undefined);
    this.connection.dispose();
    if (this.child.connected) this.child.disconnect();
    await exited;
  }
}

function params(workspace: string, dbPath: string, sandbox: Partial<InitializeParams['sandbox']> = {}): InitializeParams {
  return {
    workspace,
    dbPath,
    askAtOrAbove: 'medium',
    protectedPaths: [],
    approvalTimeoutMs: 60_000,
    scheduler: { policy: 'priority', maxConcurrent: 4, requestsPerMinute: null, tokensPerMinute: null },
    globalMemoryBytes: 512 * 2 ** 20,
    agentQuotaBytes: 64 * 2 ** 20,
    sandbox: { enabled: false, image: null, dockerHost: null, memoryBytes: 256 * 2 ** 20, cpus: 1, pids: 128, ...sandbox },
  };
}

function spawn(role: string, script: string, extra: Partial<SpawnParams> = {}): SpawnParams {
  return {
    task: `task for ${role}`,
    role,
    priority: 50,
    model: `scripted:.aios/scripts/${script}.json`,
    budgets: { tokens: null, dollars: 2, steps: null },
    context: { tokens: 100_000, high: 0.9, low: 0.7 },
    capabilities: ['fs.read', 'fs.write'],
    parent: null,
    ...extra,
  };
}

describe('protocol: the kernel host over JSON-RPC', function () {
  this.timeout(30_000);
  let dir: string;
  let workspace: string;
  let dbPath: string;
  let host: HostUnderTest | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'aios-protocol-'));
    workspace = join(dir, 'ws');
    cpSync(join(ROOT, 'demo'), workspace, { recursive: true });
    dbPath = join(dir, 'state', 'aios.db');
  });

  afterEach(async () => {
    await host?.stop();
    host = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('initializes, asks the extension for the API key, and answers state with JSON-safe values', async () => {
    host = HostUnderTest.start();
    const info = await host.connection.sendRequest(toHost.initialize, params(workspace, dbPath));
    assert.equal(info.restoredAgents, 0);
    assert.match(info.runtime, /ABI \d+/);
    const a = await host.connection.sendRequest(toHost.spawn, spawn('reviewer', 'reviewer', { budgets: { tokens: null, dollars: null, steps: 10 } }));
    assert.equal(a.scripted, true);
    assert.deepEqual(a.budgets, { tokens: null, dollars: null, steps: 10 });
    const s = await host.state();
    assert.deepEqual(s.tools.map((t) => t.name).filter((n) => ['read_file', 'edit_file', 'recall'].includes(n)).sort(), ['edit_file', 'read_file', 'recall']);
    assert.equal(s.sandbox.status, 'disabled');
    assert.equal(s.memory.globalLimit, 512 * 2 ** 20);
    assert.equal(s.scheduler.requestsPerMinute, null);
    await host.until('the reviewer to finish', (x) => x.agents.find((g) => g.state === 'done'));
    assert.ok(host.events.some((e) => e.type === 'agent.output' && e.summary.includes('[scripted]')));
  });

  it('sends an edit for approval with its diff; approve applies it, deny leaves the file', async () => {
    host = HostUnderTest.start();
    host.answer = (v) => (v.agentName === 'coder-1' ? { decision: 'approve', remember: null, files: null } : { decision: 'deny', reason: 'not now' });
    await host.connection.sendRequest(toHost.initialize, params(workspace, dbPath));
    const readme = readFileSync(join(workspace, 'README.md'), 'utf8');
    await host.connection.sendRequest(toHost.spawn, spawn('coder', 'coder'));
    await host.connection.sendRequest(toHost.spawn, spawn('writer', 'writer'));
    await host.until('both agents done', (s) => (s.agents.filter((a) => a.state === 'done').length === 2 ? true : undefined));
    const edit = host.approvals.find((v) => v.agentName === 'coder-1');
    assert.ok(edit && edit.subject.kind === 'edit');
    assert.equal(edit.subject.files[0]!.path, 'src/greet.js');
    assert.match(edit.subject.files[0]!.diff, /-\s+return 'Helo, '/);
    assert.equal(edit.rememberable, true);
    assert.match(readFileSync(join(workspace, 'src/greet.js'), 'utf8'), /'Hello, ' \+ name/);
    assert.equal(readFileSync(join(workspace, 'README.md'), 'utf8'), readme);
    assert.deepEqual(host.closed.map((c) => c.reason), ['answered', 'answered']);
    assert.deepEqual((await host.state()).approvals, []);
  });

  it('keeps approvals pending without blocking other agents; "always allow for agent" becomes a removable rule', async () => {
    host = HostUnderTest.start();
    await host.connection.sendRequest(toHost.initialize, params(workspace, dbPath));
    await host.connection.sendRequest(toHost.spawn, spawn('coder', 'coder'));
    await host.connection.sendRequest(toHost.spawn, spawn('reviewer', 'reviewer'));
    const pending = await host.until('a pending approval', (s) => s.approvals[0]);
    await host.until('the reviewer to finish while coder-1 waits', (s) => (s.agents.find((a) => a.name === 'reviewer-2')?.state === 'done' ? true : undefined));
    assert.equal((await host.agent('coder-1')).state, 'waiting');
    assert.equal((await host.agent('coder-1')).waitReason, 'approval');
    const { accepted } = await host.connection.sendRequest(toHost.answerApproval, { id: pending.id, answer: { decision: 'approve', remember: 'agent', files: null } });
    assert.equal(accepted, true);
    const again = await host.connection.sendRequest(toHost.answerApproval, { id: pending.id, answer: { decision: 'deny', reason: null } });
    assert.equal(again.accepted, false);
    const rule = await host.until('the standing rule', (s) => s.rules[0]);
    assert.deepEqual([rule.tool, rule.scope, rule.pid, rule.pattern], ['edit_file', 'agent', 1, 'src/greet.js']);
    assert.deepEqual(await host.connection.sendRequest(toHost.removeRule, { id: rule.id }), { removed: true });
    assert.deepEqual((await host.state()).rules, []);
  });

  it('suspends, renices, resumes and kills; a kill withdraws the pending approval', async () => {
    host = HostUnderTest.start();
    await host.connection.sendRequest(toHost.initialize, params(workspace, dbPath));
    const slow = await host.connection.sendRequest(toHost.spawn, spawn('tester', 'long-task'));
    await host.until('the slow agent to run', (s) => (s.agents[0]?.state === 'running' ? true : undefined));
    assert.deepEqual(await host.connection.sendRequest(toHost.suspend, { pid: slow.pid }), { when: 'step_end' });
    assert.equal((await host.connection.sendRequest(toHost.renice, { pid: slow.pid, priority: 7 })).priority, 7);
    await host.connection.sendRequest(toHost.resume, { pid: slow.pid });
    assert.deepEqual(await host.connection.sendRequest(toHost.kill, { pid: slow.pid }), { killed: [slow.pid] });
    assert.equal((await host.agent('tester-1')).state, 'killed');

    await host.connection.sendRequest(toHost.spawn, spawn('coder', 'coder'));
    const pending = await host.until('a pending approval', (s) => s.approvals[0]);
    await host.connection.sendRequest(toHost.kill, { pid: pending.pid });
    await host.until('the approval to close', () => (host!.closed.some((c) => c.id === pending.id && c.reason === 'agent_stopped') ? true : undefined));
    assert.deepEqual((await host.state()).approvals, []);
  });

  it('reports kernel errors as JSON-RPC errors with the kernel message and the code from the protocol table', async () => {
    host = HostUnderTest.start();
    await assert.rejects(host.state(), (err: ResponseError<void>) => err.code === HostErrorCode.notInitialized && /initialize first/.test(err.message));
    await host.connection.sendRequest(toHost.initialize, params(workspace, dbPath));
    await assert.rejects(host.connection.sendRequest(toHost.kill, { pid: 99 }),
      (err: ResponseError<unknown>) => err.code === HostErrorCode.noSuchAgent && /no agent with pid 99/.test(err.message) && (err.data as { kernelCode: string }).kernelCode === 'no_such_agent');
    await assert.rejects(host.connection.sendRequest(toHost.spawn, spawn('coder', 'missing-script')), /missing-script/);
    await assert.rejects(host.connection.sendRequest(toHost.spawn, spawn('coder', 'coder', { priority: 120 })), /priority/i);
  });

  it('applies scheduler and memory settings at run time', async () => {
    host = HostUnderTest.start();
    await host.connection.sendRequest(toHost.initialize, params(workspace, dbPath));
    const view = await host.connection.sendRequest(toHost.configure, { scheduler: { policy: 'fair_share', maxConcurrent: 2, requestsPerMinute: 30, tokensPerMinute: null }, globalMemoryBytes: 128 * 2 ** 20 });
    assert.deepEqual([view.policy, view.maxConcurrent, view.requestsPerMinute, view.tokensPerMinute], ['fair_share', 2, 30, null]);
    assert.equal((await host.state()).memory.globalLimit, 128 * 2 ** 20);
  });

  it('restores agents from the database after SIGKILL', async () => {
    host = HostUnderTest.start();
    await host.connection.sendRequest(toHost.initialize, params(workspace, dbPath));
    await host.connection.sendRequest(toHost.spawn, spawn('tester', 'long-task'));
    await host.connection.sendRequest(toHost.spawn, spawn('reviewer', 'reviewer'));
    await host.until('the reviewer to finish', (s) => (s.agents.find((a) => a.name === 'reviewer-2')?.state === 'done' ? true : undefined));
    const exited = new Promise((r) => host!.child.once('exit', r));
    host.child.kill('SIGKILL');
    await exited;
    host.connection.dispose();
    host = HostUnderTest.start();
    const info = await host.connection.sendRequest(toHost.initialize, params(workspace, dbPath));
    assert.equal(info.restoredAgents, 1);
    const agents = (await host.state()).agents.map((a) => `${a.name}:${a.state === 'done' ? 'done' : 'live'}`).sort();
    assert.deepEqual(agents, ['reviewer-2:done', 'tester-1:live']);
  });

  /** Reactor firings of the crash playbook recorded in the database (read after the host closed it). */
  function crashFirings(): number {
    const store = SqliteStore.open(dbPath, { readonly: true });
    try {
      return store.queryEvents({ type: 'reactor.fired', limit: 100 }).filter((e) => e.event.type === 'reactor.fired' && e.event.playbook === 'host_crash.restore').length;
    } finally {
      store.close();
    }
  }

  /** How a host with an agent waiting for approval can end, and whether the next host must call it a crash. */
  const endings: Record<string, { end: (h: HostUnderTest) => void; crash: boolean }> = {
    'the extension going away (window closed or reloaded)': { end: (h) => goAway(h), crash: false },
    // code-server on a browser reload: the extension host process ends, so the host's IPC channel
    // and the pipes its log lines go to close together (every later write fails with EPIPE)
    'the extension host ending with the window (IPC and output pipes closed at once)': { end: (h) => goAway(h, { pipes: true }), crash: false },
    'the extension host ending while it asks the host to shut down': { end: (h) => goAway(h, { pipes: true, shutdown: true }), crash: false },
    'SIGTERM (another window taking over)': { end: (h) => h.child.kill('SIGTERM'), crash: false },
    'SIGTERM after the output pipes closed (another window taking over from a window that is gone)': {
      end: (h) => {
        closePipes(h);
        h.child.kill('SIGTERM');
      },
      crash: false,
    },
    'SIGKILL (a real crash)': { end: (h) => h.child.kill('SIGKILL'), crash: true },
    'SIGKILL after the output pipes closed (a real crash)': {
      end: (h) => {
        closePipes(h);
        h.child.kill('SIGKILL');
      },
      crash: true,
    },
  };
  function closePipes(h: HostUnderTest): void {
    h.child.stdout?.destroy();
    h.child.stderr?.destroy();
  }
  function goAway(h: HostUnderTest, how: { pipes?: boolean; shutdown?: boolean } = {}): void {
    if (how.shutdown) void h.connection.sendRequest(toHost.shutdown).catch(() => undefined);
    if (how.pipes) closePipes(h);
    h.connection.dispose();
    h.child.disconnect();
  }
  for (const [how, { end, crash }] of Object.entries(endings)) {
    it(`with an agent waiting for approval, ${how} is ${crash ? 'reported as a crash' : 'a clean stop'} by the next host`, async () => {
      host = HostUnderTest.start();
      const first = await host.connection.sendRequest(toHost.initialize, params(workspace, dbPath));
      await host.connection.sendRequest(toHost.spawn, spawn('coder', 'coder'));
      await host.until('a pending approval', (s) => s.approvals[0]);
      const exited = new Promise((r) => host!.child.once('exit', r));
      end(host);
      await exited;
      host.connection.dispose();
      const store = SqliteStore.open(dbPath, { readonly: true });
      const last = store.queryEvents({ type: 'kernel.', limit: 1 })[0]?.event;
      store.close();
      assert.deepEqual(last, crash ? { type: 'kernel.started', session: first.session, processId: first.processId } : { type: 'kernel.stopped', session: first.session });
      host = HostUnderTest.start();
      const info = await host.connection.sendRequest(toHost.initialize, params(workspace, dbPath));
      assert.equal(info.restoredAgents, 1);
      // the restored agent asks again, and its approval can still be answered
      host.answer = () => ({ decision: 'approve', remember: null, files: null });
      await host.until('the restored coder to finish', (s) => (s.agents.find((a) => a.name === 'coder-1')?.state === 'done' ? true : undefined));
      await host.stop();
      assert.equal(crashFirings(), crash ? 1 : 0);
    }).timeout(60_000); // two hosts, a close that waits out its grace, and a restored agent's run
  }

  it('works without Docker: run_command is offered and the sandbox says why code actions are off', async () => {
    host = HostUnderTest.start();
    await host.connection.sendRequest(toHost.initialize, params(workspace, dbPath, { enabled: true, dockerHost: 'unix:///nonexistent/aios-test.sock' }));
    const status = await host.until('the sandbox check', (s) => (s.sandbox.status === 'unavailable' ? s.sandbox : undefined));
    assert.match(status.message, /Docker engine not reachable at unix:\/\/\/nonexistent\/aios-test\.sock/);
    assert.ok((await host.state()).tools.some((t) => t.name === 'run_command'));
    await host.connection.sendRequest(toHost.spawn, spawn('coder', 'reviewer'));
    await host.until('an agent to finish anyway', (s) => s.agents.find((a) => a.state === 'done'));
  });

  it('gets the API key from the extension and never writes it to its log or database', async () => {
    const key = 'sk-ant-test-0123456789abcdefghij';
    const h = HostUnderTest.start(key);
    host = h;
    await h.connection.sendRequest(toHost.initialize, params(workspace, dbPath));
    await h.connection.sendRequest(toHost.spawn, spawn('reviewer', 'reviewer'));
    await h.until('the agent to finish', (s) => s.agents.find((a) => a.state === 'done'));
    await h.stop();
    host = undefined;
    assert.ok(h.stderr.join('').includes('session'), 'the host logged nothing');
    assert.ok(!h.stderr.join('').includes(key), 'the key is in the host log');
    assert.ok(!readFileSync(dbPath).toString('latin1').includes(key), 'the key is in the database');
  });
});
