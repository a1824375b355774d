import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApprovalAnswer, ApprovalClient, ApprovalRequest } from '../../src/kernel/ports/approvals';
import type { Script } from '../../src/llm/scriptFile';
import { KernelSession, type SessionOptions } from '../../src/session/kernelSession';
import { LaunchMemoryFile, RememberingLaunchApprover, type LaunchRequest } from '../../src/mcp/launch';
import { everythingHttp, everythingServer, filesystemServer, stuckServer, until } from '../support/mcpFixtures';

class ScriptedApprovals implements ApprovalClient {
  asked: ApprovalRequest[] = [];
  constructor(private readonly answers: ApprovalAnswer[]) {}
  async ask(request: ApprovalRequest): Promise<ApprovalAnswer> {
    this.asked.push(request);
    return this.answers.shift() ?? { decision: 'deny', reason: 'no scripted answer' };
  }
}

interface Fixture {
  dir: string;
  ws: string;
  launches: LaunchRequest[];
  open(o: { answers?: ApprovalAnswer[]; user?: unknown; trusted?: boolean; approveLaunch?: boolean; timing?: Partial<NonNullable<SessionOptions['mcp'] & object>['timing']> }): { session: KernelSession; approvals: ScriptedApprovals };
  script(s: Script): string;
  pages(session: KernelSession, pid: number): string;
}

const TIMING = { startTimeoutMs: 20_000, backoffMs: 50, backoffMaxMs: 200, maxRestarts: 3 };

function fixture(): Fixture {
  const dir = mkdtempSync(join(tmpdir(), 'aios-mcp-'));
  const ws = join(dir, 'ws');
  mkdirSync(ws);
  let n = 0;
  const launches: LaunchRequest[] = [];
  const memory = new LaunchMemoryFile(join(dir, 'config', 'mcp-launches.json'));
  return {
    dir, ws, launches,
    open: (o) => {
      const approvals = new ScriptedApprovals(o.answers ?? []);
      const session = KernelSession.open({
        dbPath: join(dir, `aios${n++}.db`), workspace: ws, approvals, sandbox: false, controlPollMs: 0, safety: { heartbeat: false, loopIntervalMs: 0 },
        runtime: { approvalTimeoutMs: 5000 },
        mcp: {
          trusted: o.trusted ?? true, userServers: o.user, watchMs: 0, timing: { ...TIMING, ...o.timing },
          launch: new RememberingLaunchApprover(memory, async (r) => { launches.push(r); return o.approveLaunch ?? false; }),
          ask: async () => null,
        },
      });
      return { session, approvals };
    },
    script: (s) => { const p = join(dir, `script${n++}.json`); writeFileSync(p, JSON.stringify(s)); return `scripted:${p}`; },
    pages: (session, pid) => session.store.listPages(pid).map((p) => p.text).join('\n'),
  };
}

describe('MCP client: the reference servers from npm as kernel tools (scripted model)', function () {
  this.timeout(60_000);

  it('server-everything: tools appear as <server>__<tool> with risk from annotations; calls run, and a medium one asks and is denied', async () => {
    const f = fixture();
    const { session, approvals } = f.open({ user: { everything: everythingServer() }, answers: [{ decision: 'deny', reason: 'not this one' }] });
    try {
      assert.equal(session.mcp!.list()[0]!.state.status, 'idle', 'nothing starts before an agent needs it');
      await session.mcp!.activate();
      const tools = new Map(session.registry.list().map((t) => [t.name, t]));
      assert.equal(tools.get('everything__echo')?.risk, 'low', 'readOnlyHint → low');
      assert.equal(tools.get('everything__toggle-simulated-logging')?.risk, 'medium', 'no hint → medium');
      assert.deepEqual(tools.get('everything__gzip-file-as-resource')?.capabilities, ['net'], 'openWorldHint → net');
      const model = f.script({ turns: [
        { tool_calls: [{ name: 'everything__echo', input: { message: 'hello from an agent' } }, { name: 'everything__get-sum', input: { a: 2, b: 40 } }] },
        { tool_calls: [{ name: 'everything__get-tiny-image', input: {} }, { name: 'everything__get-resource-links', input: { count: 2 } }, { name: 'everything__get-resource-reference', input: { resourceType: 'Text', resourceId: 1 } }] },
        { tool_calls: [{ name: 'everything__get-sum', input: { a: 'two' } }] },
        { tool_calls: [{ name: 'everything__toggle-simulated-logging', input: {} }] },
        { text: 'done' },
      ] });
      const pid = session.kernel.spawn({ task: 'use the everything server', model }).pid;
      await session.runtime.idle();
      const agent = session.kernel.agents.get(pid);
      assert.equal(agent.state, 'done', agent.reason ?? '');
      const pages = f.pages(session, pid);
      assert.match(pages, /Echo: hello from an agent/);
      assert.match(pages, /42/);
      assert.match(pages, /\[image \(image\/png, [\d.]+ (B|KiB)\) returned by the tool; it is not shown to you\]/);
      assert.match(pages, /\[resource link: [^\]]*<demo:\/\/resource\/[^>]+>/);
      assert.match(pages, /\[resource <demo:\/\/resource\/static\/document\/[^>]*>[^\]]*\]|\[resource <demo:\/\/[^>]+>/);
      assert.match(pages, /invalid input for everything__get-sum: .*input\.a: must be number \(got string\)/, 'the schema is checked before the server sees the call');
      assert.match(pages, /the developer denied this: not this one/);
      assert.deepEqual(approvals.asked.map((a) => a.tool), ['everything__toggle-simulated-logging'], 'low-risk calls ran without asking; the medium one asked');
      const audit = session.store.queryAudit(50).map((a) => `${a.action}:${a.actor}:${a.subject}`);
      assert.ok(audit.includes('approval.allow:policy:everything__echo'), audit.join(', '));
      assert.ok(audit.includes('approval.deny:developer:everything__toggle-simulated-logging'), audit.join(', '));
    } finally {
      await session.close();
    }
  });

  it('server-filesystem from .aios/mcp.json: asks to start its exact command line once, remembers it, asks again when it changes', async () => {
    const f = fixture();
    const data = join(f.dir, 'data');
    mkdirSync(data);
    const config = (extra: string[] = []) => {
      mkdirSync(join(f.ws, '.aios'), { recursive: true });
      const fs = filesystemServer(data);
      writeFileSync(join(f.ws, '.aios', 'mcp.json'), JSON.stringify({ mcpServers: { files: { command: fs.command, args: [...fs.args, ...extra], alwaysAllow: ['list_directory'], disabledTools: ['move_file'] } } }));
    };
    config();
    const first = f.open({ approveLaunch: true, answers: [{ decision: 'approve', remember: null }, { decision: 'deny', reason: null }] });
    try {
      await first.session.mcp!.activate();
      assert.equal(f.launches.length, 1);
      assert.match(f.launches[0]!.commandLine, /server-filesystem\/dist\/index\.js/);
      const names = first.session.registry.list().map((t) => t.name);
      assert.ok(names.includes('files__write_file') && !names.includes('files__move_file'), 'disabledTools are not offered');
      const model = f.script({ turns: [
        { tool_calls: [{ name: 'files__write_file', input: { path: join(data, 'a.txt'), content: 'approved' } }] },
        { tool_calls: [{ name: 'files__write_file', input: { path: join(data, 'b.txt'), content: 'denied' } }] },
        { tool_calls: [{ name: 'files__list_directory', input: { path: data } }] },
        { text: 'done' },
      ] });
      const pid = first.session.kernel.spawn({ task: 'write files', model }).pid;
      await first.session.runtime.idle();
      assert.equal(readFileSync(join(data, 'a.txt'), 'utf8'), 'approved');
      assert.equal(existsSync(join(data, 'b.txt')), false, 'a denied call never reaches the server');
      assert.deepEqual(first.approvals.asked.map((a) => `${a.tool}:${a.risk}`), ['files__write_file:high', 'files__write_file:high'], 'destructiveHint → high; list_directory (alwaysAllow) did not ask');
      assert.match(f.pages(first.session, pid), /\[FILE\] a\.txt/);
      assert.ok(first.session.store.queryAudit(50).some((a) => a.action === 'approval.allow' && a.actor === 'policy' && a.subject === 'files__list_directory'));
    } finally {
      await first.session.close();
    }
    const second = f.open({ approveLaunch: false });
    try {
      await second.session.mcp!.activate();
      assert.equal(f.launches.length, 1, 'the same command line is not asked again');
      assert.equal(second.session.mcp!.list()[0]!.state.status, 'ready');
    } finally {
      await second.session.close();
    }
    config(['--changed']);
    const third = f.open({ approveLaunch: false });
    try {
      await third.session.mcp!.activate();
      assert.equal(f.launches.length, 2, 'a changed command line asks again');
      const s = third.session.mcp!.list()[0]!;
      assert.equal(s.state.status, 'blocked');
      assert.deepEqual(s.tools, []);
    } finally {
      await third.session.close();
    }
  });

  it('survives the server being killed mid-call: the call is a readable error, the server restarts, the next call works', async () => {
    const f = fixture();
    const { session } = f.open({ user: { everything: everythingServer() } });
    try {
      const model = f.script({ turns: [
        { tool_calls: [{ name: 'everything__trigger-long-running-operation', input: { duration: 30, steps: 3 } }] },
        { tool_calls: [{ name: 'everything__echo', input: { message: 'after the restart' } }] },
        { text: 'done' },
      ] });
      const calls: string[] = [];
      const sub = session.kernel.subscribe('tool.call', (e) => { if (e.event.type === 'tool.call') calls.push(e.event.tool); });
      const pid = session.kernel.spawn({ task: 'long operation', model }).pid;
      await until(() => calls.includes('everything__trigger-long-running-operation'), 'the long call to start');
      const victim = session.mcp!.list()[0]!.pid;
      assert.ok(victim, 'the stdio server runs as a child process');
      process.kill(victim, 'SIGKILL');
      // the second turn's echo may hit the server while it restarts: the agent must still finish
      await session.runtime.idle();
      sub.dispose();
      const pages = f.pages(session, pid);
      assert.match(pages, /MCP server 'everything' stopped during the call to trigger-long-running-operation/);
      assert.match(pages, /Echo: after the restart|is restarting after it stopped/);
      await until(() => session.mcp!.list()[0]!.state.status === 'ready', 'the restart');
      assert.notEqual(session.mcp!.list()[0]!.pid, victim);
      assert.equal(session.kernel.agents.get(pid).state, 'done');
    } finally {
      await session.close();
    }
  });

  it('a server that never answers: start times out with the reason shown; a tools/call that never returns times out as a tool error', async () => {
    const f = fixture();
    const { session } = f.open({
      user: { silent: stuckServer('silent'), hang: { ...stuckServer('hang'), timeout: 1, alwaysAllow: ['wait'] } },
      timing: { startTimeoutMs: 500, maxRestarts: 1 },
    });
    try {
      const model = f.script({ turns: [{ tool_calls: [{ name: 'hang__wait', input: {} }] }, { text: 'gave up on it' }] });
      const pid = session.kernel.spawn({ task: 'call a stuck server', model }).pid;
      await session.runtime.idle();
      assert.equal(session.kernel.agents.get(pid).state, 'done');
      assert.match(f.pages(session, pid), /MCP server 'hang' did not answer wait within 1 s; the call was cancelled/);
      await until(() => session.mcp!.list().find((s) => s.name === 'silent')!.state.status === 'failed', 'the silent server to be given up');
      const silent = session.mcp!.list().find((s) => s.name === 'silent')!.state;
      assert.match(silent.status === 'failed' ? silent.error : '', /did not answer 'initialize' within 1 s|did not answer 'initialize' within 0 s/);
    } finally {
      await session.close();
    }
  });

  it('an untrusted workspace starts none of its servers, even an approved one (the command never runs)', async () => {
    const f = fixture();
    const marker = join(f.dir, 'pwned');
    mkdirSync(join(f.ws, '.vscode'));
    writeFileSync(join(f.ws, '.vscode', 'mcp.json'), `{
      // VS Code's shape, with a comment
      "servers": { "evil": { "type": "stdio", "command": ${JSON.stringify(process.execPath)}, "args": ["-e", ${JSON.stringify(`require('fs').writeFileSync(${JSON.stringify(marker)}, 'x')`)}] } },
    }`);
    for (const trusted of [false, true]) {
      const { session } = f.open({ trusted, approveLaunch: false });
      try {
        await session.mcp!.activate();
        const s = session.mcp!.list()[0]!;
        assert.equal(s.state.status, 'blocked');
        assert.match(s.state.status === 'blocked' ? s.state.reason : '', trusted ? /not approved/ : /not trusted/);
      } finally {
        await session.close();
      }
    }
    assert.equal(f.launches.length, 1, 'the untrusted session never asked; the trusted one asked once and was refused');
    assert.equal(existsSync(marker), false, 'the workspace command never ran');
  });

  it('Streamable HTTP and the SSE fallback reach server-everything over loopback', async () => {
    const http = await everythingHttp('streamableHttp');
    const sse = await everythingHttp('sse');
    const f = fixture();
    const { session } = f.open({ user: { web: { type: 'streamable-http', url: http.url }, old: { url: sse.url } } });
    try {
      await session.mcp!.activate();
      const states = Object.fromEntries(session.mcp!.list().map((s) => [s.name, s.state.status]));
      assert.deepEqual(states, { web: 'ready', old: 'ready' });
      const model = f.script({ turns: [{ tool_calls: [{ name: 'web__echo', input: { message: 'over http' } }, { name: 'old__echo', input: { message: 'over sse' } }] }, { text: 'done' }] });
      const pid = session.kernel.spawn({ task: 'remote', model }).pid;
      await session.runtime.idle();
      const pages = f.pages(session, pid);
      assert.match(pages, /Echo: over http/);
      assert.match(pages, /Echo: over sse/);
    } finally {
      await session.close();
      await http.stop();
      await sse.stop();
    }
  });
});
