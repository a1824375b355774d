import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { createServer } from 'node:net';
import { createMessageConnection, SocketMessageReader, SocketMessageWriter } from 'vscode-jsonrpc/node';
import { AIOS_TOOLS } from '../../src/mcp/aiosServer';
import type { ApprovalView } from '../../src/protocol/hostTypes';
import { toEditor } from '../../src/protocol/serveMethods';
import { everythingServer } from '../support/mcpFixtures';

const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'src', 'cli', 'main.ts');
const INSPECTOR = join(ROOT, 'node_modules', '@modelcontextprotocol', 'inspector', 'clients', 'launcher', 'build', 'index.js');

/** A workspace with a default script: write a file (needs approval), then finish; `slow` makes turn 1 take a while. */
function workspace(slowMs = 0): { ws: string; db: string } {
  const ws = mkdtempSync(join(tmpdir(), 'aios-mcps-'));
  mkdirSync(join(ws, '.aios', 'scripts'), { recursive: true });
  const turns = [
    { text: 'Writing the file.', tool_calls: [{ name: 'write_file', input: { path: 'out.txt', content: 'written by an agent\n' } }], latency_ms: slowMs },
    { text: 'Finished the task.' },
  ];
  writeFileSync(join(ws, '.aios', 'scripts', 'default.json'), JSON.stringify({ turns }));
  return { ws, db: join(ws, '.aios', 'aios.db') };
}

function serveArgs(ws: string, extra: string[] = []): string[] {
  return ['--import', 'tsx', CLI, 'mcp', 'serve', '--workspace', ws, '--no-sandbox', ...extra];
}

async function connect(ws: string, extra: string[] = []): Promise<{ client: Client; stderr: () => string }> {
  const transport = new StdioClientTransport({ command: process.execPath, args: serveArgs(ws, extra), cwd: ROOT, stderr: 'pipe', env: { ...process.env, ANTHROPIC_API_KEY: '' } as Record<string, string> });
  let err = '';
  transport.stderr?.on('data', (d: Buffer) => { err += d.toString(); });
  const client = new Client({ name: 'aios-test', version: '1.0.0' }, { capabilities: {} });
  await client.connect(transport);
  return { client, stderr: () => err };
}

function text(result: unknown): string {
  const r = result as { content: { type: string; text?: string }[] };
  return r.content.map((c) => c.text ?? '').join('\n');
}

describe('aios mcp serve: AIOS as an MCP server', function () {
  this.timeout(120_000);

  it('the official SDK client lists and calls every AIOS tool; approvals never reach the calling model', async () => {
    const { ws } = workspace();
    const { client, stderr } = await connect(ws);
    try {
      const listed = (await client.listTools()).tools.map((t) => t.name).sort();
      assert.deepEqual(listed, AIOS_TOOLS.map((t) => t.name).sort());
      assert.ok(!listed.some((n) => /approv|allow|answer|deny/i.test(n)), 'no tool lets the caller answer an approval');

      const spawned = text(await client.callTool({ name: 'spawn_agent', arguments: { task: 'write out.txt' } }));
      assert.match(spawned, /spawned agent 1 \(coder-1, coder, model scripted:.*the offline scripted model, not a real one/);
      const waited = text(await client.callTool({ name: 'wait_for_agent', arguments: { pid: 1, seconds: 30 } }));
      assert.match(waited, /agent 1 coder-1 \[coder\] done/);
      assert.equal(existsSync(join(ws, 'out.txt')), false, 'without a terminal the write was denied for the developer, not asked of the caller');
      const transcript = text(await client.callTool({ name: 'read_transcript', arguments: { pid: 1 } }));
      assert.match(transcript, /agent 1 coder-1 · coder · scripted:.*\(offline scripted model/);
      assert.match(transcript, /→ write_file .* · medium risk · denied/);
      assert.match(stderr(), /denied automatically: agent 1 \(coder-1\) write_file/);
      assert.match(text(await client.callTool({ name: 'list_agents', arguments: {} })), /agent 1 coder-1 \[coder\] done/);

      const routed = text(await client.callTool({ name: 'route_task', arguments: { task: 'write unit tests for the parser' } }));
      assert.match(routed, /routed to role tester/);
      const pid = Number(/agent (\d+) /.exec(routed.split('\n')[1]!)![1]);
      const suspended = await client.callTool({ name: 'suspend_agent', arguments: { pid } });
      assert.match(text(suspended), suspended.isError ? /has already ended/ : new RegExp(`agent ${pid} (is suspended|will be suspended)`));
      const resumed = await client.callTool({ name: 'resume_agent', arguments: { pid } });
      assert.ok(resumed.isError || /resumed: agent/.test(text(resumed)), text(resumed));
      const killed = await client.callTool({ name: 'kill_agent', arguments: { pid: 1 } });
      assert.equal(killed.isError, true);
      assert.match(text(killed), /agent 1 has already ended \(done\)/);
      const message = await client.callTool({ name: 'send_message', arguments: { pid: 1, message: 'also add a test' } });
      assert.match(text(message), /agent 1 had finished: it takes a new turn with the message/);
      assert.match(text(await client.callTool({ name: 'read_transcript', arguments: { pid: 1 } })), /you \(new turn\): also add a test/);

      const bad = await client.callTool({ name: 'spawn_agent', arguments: { task: '', model: 'scripted:/etc/passwd' } });
      assert.equal(bad.isError, true);
      assert.match(text(bad), /invalid input for spawn_agent: .*unknown property 'model'/, 'the caller cannot pick the model (or a file to read as a script)');
      const missing = await client.callTool({ name: 'read_transcript', arguments: { pid: 99 } });
      assert.match(text(missing), /no agent 99: list_agents shows the pids/);
    } finally {
      await client.close();
    }
  });

  it('with --yes (the developer\'s flag on the command line) the same agent\'s write is approved', async () => {
    const { ws } = workspace();
    const { client } = await connect(ws, ['--yes']);
    try {
      await client.callTool({ name: 'spawn_agent', arguments: { task: 'write out.txt' } });
      assert.match(text(await client.callTool({ name: 'wait_for_agent', arguments: { pid: 1, seconds: 30 } })), /done/);
      assert.equal(readFileSync(join(ws, 'out.txt'), 'utf8'), 'written by an agent\n');
    } finally {
      await client.close();
    }
  });

  it('the MCP Inspector (command-line mode) lists every AIOS tool and calls each of them', function () {
    this.timeout(300_000); // ten Inspector runs, each starting the server anew
    const { ws, db } = workspace(60_000);
    const inspector = (method: string[]) => {
      const r = spawnSync(process.execPath, [INSPECTOR, '--cli', process.execPath, ...serveArgs(ws, ['--db', db]), '--method', ...method], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, ANTHROPIC_API_KEY: '' } });
      // the Inspector exits 5 when a tool returns isError, and prints the error line before the result
      assert.ok(r.status === 0 || /"tool_is_error"/.test(r.stdout + r.stderr), `${method.join(' ')}: exit ${r.status}: ${r.stderr}${r.stdout}`);
      return JSON.parse(r.stdout.slice(r.stdout.indexOf('{\n'))) as { tools?: { name: string }[]; content?: { text: string }[]; isError?: boolean };
    };
    const call = (tool: string, args: Record<string, string | number> = {}) => {
      const flat = Object.entries(args).flatMap(([k, v]) => ['--tool-arg', `${k}=${v}`]);
      const r = inspector(['tools/call', '--tool-name', tool, ...flat]);
      return { text: r.content!.map((c) => c.text).join('\n'), isError: r.isError === true };
    };
    const listed = inspector(['tools/list']).tools!.map((t) => t.name).sort();
    assert.deepEqual(listed, AIOS_TOOLS.map((t) => t.name).sort());
    assert.match(call('spawn_agent', { task: 'write out.txt' }).text, /spawned agent 1/);
    assert.match(call('list_agents').text, /agent 1 coder-1 \[coder\]/);
    assert.match(call('read_transcript', { pid: 1 }).text, /agent 1 coder-1 · coder · scripted:/);
    assert.match(call('wait_for_agent', { pid: 1, seconds: 1 }).text, /agent 1 coder-1/);
    assert.match(call('suspend_agent', { pid: 1 }).text, /agent 1 (is suspended|will be suspended)/);
    assert.match(call('resume_agent', { pid: 1 }).text, /resumed: agent 1|agent 1 is not suspended \(it is (running|ready|waiting)\)/);
    assert.match(call('send_message', { pid: 1, message: 'hello' }).text, /delivered to agent 1|queued for agent 1|agent 1 had finished/);
    assert.match(call('route_task', { task: 'review the login code' }).text, /routed to role reviewer/);
    assert.match(call('kill_agent', { pid: 1 }).text, /killed 1/);
  });

  it('aios mcp list: a workspace stdio server is not started without a terminal; --yes starts it and lists its tools', () => {
    const { ws } = workspace();
    const everything = everythingServer();
    writeFileSync(join(ws, '.aios', 'mcp.json'), JSON.stringify({ mcpServers: { everything: { ...everything, env: { DEMO_TOKEN: 'not-for-logs' } } } }));
    const config = mkdtempSync(join(tmpdir(), 'aios-mcpcfg-'));
    const list = (extra: string[]) => spawnSync(process.execPath, ['--import', 'tsx', CLI, 'mcp', 'list', '--workspace', ws, '--json', ...extra], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, AIOS_CONFIG_DIR: config } });
    const refused = list([]);
    assert.equal(refused.status, 0, refused.stderr);
    const before = JSON.parse(refused.stdout) as { servers: { name: string; state: { status: string; reason?: string }; target: string; tools: string[] }[] };
    assert.equal(before.servers[0]!.state.status, 'blocked');
    assert.match(refused.stderr, /needs your approval on a terminal \(or --yes\)/);
    assert.doesNotMatch(refused.stdout + refused.stderr, /not-for-logs/, 'a secret-looking env value stays out of the output');
    const started = list(['--yes']);
    assert.equal(started.status, 0, started.stderr);
    const after = JSON.parse(started.stdout) as typeof before;
    assert.equal(after.servers[0]!.state.status, 'ready');
    assert.ok(after.servers[0]!.tools.includes('everything__echo'), after.servers[0]!.tools.join(', '));
    const again = JSON.parse(list([]).stdout) as typeof before;
    assert.equal(again.servers[0]!.state.status, 'ready', 'the approval (--yes) is remembered for this command line');
  });

  it('--approvals-socket (how the extension starts it for agent mode): approvals go to the editor over the socket, and its answer decides', async () => {
    const { ws } = workspace();
    const asked: ApprovalView[] = [];
    const socket = join(mkdtempSync(join(tmpdir(), 'aios-sock-')), 'approvals.sock');
    // the editor's side of the protocol (src/extension/mcpServeApprovals.ts answers with a modal)
    const editor = createServer((s) => {
      const c = createMessageConnection(new SocketMessageReader(s), new SocketMessageWriter(s));
      c.onRequest(toEditor.approval, (view) => { asked.push(view); return { decision: 'approve', remember: null, files: null }; });
      c.onClose(() => c.dispose());
      c.listen();
    });
    await new Promise<void>((ok) => editor.listen(socket, ok));
    const { client } = await connect(ws, ['--approvals-socket', socket]);
    try {
      await client.callTool({ name: 'spawn_agent', arguments: { task: 'write out.txt' } });
      // wait_for_agent also returns while the agent waits for the developer: wait until it is done
      let state = '';
      // (it returns at once while the approval is with the editor, so wait on a deadline, not a count)
      const deadline = Date.now() + 45_000;
      while (!/\] done/.test(state) && Date.now() < deadline) state = text(await client.callTool({ name: 'wait_for_agent', arguments: { pid: 1, seconds: 30 } }));
      assert.match(state, /\] done/, `asked ${asked.length}: ${JSON.stringify(asked.map((a) => [a.tool, a.ruleCovers]))}`);
      assert.equal(asked.length, 1);
      assert.equal(asked[0]!.tool, 'write_file');
      assert.equal(asked[0]!.subject.kind, 'edit');
      assert.equal(readFileSync(join(ws, 'out.txt'), 'utf8'), 'written by an agent\n');
    } finally {
      await client.close();
      await new Promise<void>((ok) => editor.close(() => ok()));
    }
  });
});
