import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandLine, mergeMcp, parseClineMcp, parseUserMcp, parseVsCodeMcp } from '../../src/mcp/config';
import { LaunchMemoryFile, RememberingLaunchApprover, type LaunchRequest } from '../../src/mcp/launch';
import { McpAlwaysAllowPolicy } from '../../src/mcp/alwaysAllowPolicy';
import { adaptTool, kernelToolName, resultText, riskOf } from '../../src/mcp/toolAdapter';
import { resolveTransport } from '../../src/mcp/variables';
import { RulePolicy } from '../../src/tools/policy';
import { ToolRegistry } from '../../src/tools/registry';
import type { PolicyRequest, StandingRule } from '../../src/kernel/ports/policy';

describe('MCP configuration', () => {
  it('reads VS Code\'s .vscode/mcp.json with comments, trailing commas, inputs, stdio and http servers', () => {
    const set = parseVsCodeMcp(`{
      // a comment
      "inputs": [{ "type": "promptString", "id": "token", "description": "API token", "password": true }],
      "servers": {
        "fs": { "type": "stdio", "command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "\${workspaceFolder}"] },
        "remote api": { "type": "http", "url": "https://example.com/mcp", "headers": { "Authorization": "Bearer \${input:token}" } },
        "old": { "type": "sse", "url": "http://localhost:3001/sse" },
      },
    }`, '/ws/.vscode/mcp.json');
    assert.deepEqual(set.problems, []);
    assert.deepEqual(set.inputs, [{ id: 'token', description: 'API token', password: true }]);
    assert.deepEqual(set.servers.map((s) => [s.name, s.transport.kind, s.source]), [['fs', 'stdio', 'vscode'], ['remote_api', 'http', 'vscode'], ['old', 'sse', 'vscode']]);
  });

  it('reads the Cline / Roo shape with disabled, alwaysAllow, disabledTools and timeout', () => {
    const set = parseClineMcp(JSON.stringify({ mcpServers: {
      git: { command: 'uvx', args: ['mcp-server-git'], env: { GIT_DIR: '.git' }, alwaysAllow: ['git_status'], disabledTools: ['git_push'], timeout: 5 },
      off: { command: 'x', disabled: true },
      web: { type: 'streamable-http', url: 'http://127.0.0.1:9/mcp' },
    } }), '/ws/.aios/mcp.json');
    const [git, off, web] = set.servers;
    assert.deepEqual([git!.alwaysAllow, git!.disabledTools, git!.timeoutMs, git!.transport], [['git_status'], ['git_push'], 5000, { kind: 'stdio', command: 'uvx', args: ['mcp-server-git'], env: { GIT_DIR: '.git' }, cwd: null }]);
    assert.equal(off!.disabled, true);
    assert.equal(web!.transport.kind, 'http');
  });

  it('reports each bad entry with what to fix and still loads the others', () => {
    const set = parseClineMcp(JSON.stringify({ mcpServers: { a: { args: [] }, b: 'x', c: { url: 'ftp://x' }, d: { type: 'websocket', url: 'ws://x' }, ok: { command: 'node' } } }), 'f.json');
    assert.deepEqual(set.servers.map((s) => s.name), ['ok']);
    assert.equal(set.problems.length, 4);
    assert.match(set.problems.join('\n'), /server 'a': needs a "command" \(stdio\) or a "url"/);
    assert.match(set.problems.join('\n'), /"url" must be http or https/);
    assert.match(parseVsCodeMcp('{ "servers": ', 'broken.json').problems[0]!, /broken\.json: .* at line 1: fix the file/);
  });

  it('a later source replaces a server of the same name, and says so', () => {
    const merged = mergeMcp([parseUserMcp({ fs: { command: 'a' } }), parseClineMcp('{"mcpServers":{"fs":{"command":"b"}}}', '/ws/.aios/mcp.json')]);
    assert.equal(merged.servers.length, 1);
    assert.equal(merged.servers[0]!.transport.kind === 'stdio' && merged.servers[0]!.transport.command, 'b');
    assert.match(merged.problems[0]!, /replaces the one from settings/);
  });

  it('the approved command line covers env, command, args and cwd, quoted so that spaces and quotes cannot hide a part', () => {
    const line = commandLine({ kind: 'stdio', command: 'node', args: ['server.js', 'a b', "it's"], env: { NODE_OPTIONS: '--require ./evil.js' }, cwd: '/tmp' });
    assert.equal(line, `NODE_OPTIONS='--require ./evil.js' node server.js 'a b' 'it'\\''s' (in /tmp)`);
  });

  it('substitutes ${workspaceFolder}, ${env:…} and ${input:…} (asked once), and names what is missing', async () => {
    let asked = 0;
    const ctx = { workspace: '/ws', env: { HOME_X: 'h' }, inputs: [{ id: 'tok', description: 'token', password: true }], ask: async () => { asked++; return 'secret'; } };
    const t = await resolveTransport({ kind: 'http', url: 'http://h/${env:HOME_X}', headers: { A: '${input:tok}', B: '${input:tok}' } }, 's', ctx);
    assert.deepEqual(t, { kind: 'http', url: 'http://h/h', headers: { A: 'secret', B: 'secret' } });
    assert.equal(asked, 1);
    await assert.rejects(resolveTransport({ kind: 'stdio', command: '${nope}', args: [], env: {}, cwd: null }, 's', ctx), /unknown variable \$\{nope\}/);
    await assert.rejects(resolveTransport({ kind: 'stdio', command: 'x', args: ['${input:other}'], env: {}, cwd: null }, 's', ctx), /no input 'other' is declared/);
  });
});

describe('MCP tools as kernel tools', () => {
  it('names are <server>__<tool>, sanitized, never over 64 characters, and distinct when cut', () => {
    assert.equal(kernelToolName('fs', 'read_file'), 'fs__read_file');
    assert.equal(kernelToolName('my server', 'do.thing/now'), 'my_server__do_thing_now');
    const a = kernelToolName('s'.repeat(40), `${'t'.repeat(40)}a`);
    const b = kernelToolName('s'.repeat(40), `${'t'.repeat(40)}b`);
    assert.ok(a.length <= 64 && b.length <= 64);
    assert.notEqual(a, b);
    assert.match(a, /^[A-Za-z0-9_-]+$/);
  });

  it('risk comes from annotations: readOnly low, destructive high, otherwise medium; openWorld needs net', () => {
    const info = (annotations: object) => ({ name: 't', inputSchema: { type: 'object' }, annotations });
    assert.equal(riskOf(info({ readOnlyHint: true, destructiveHint: true })), 'low');
    assert.equal(riskOf(info({ destructiveHint: true })), 'high');
    assert.equal(riskOf(info({})), 'medium');
    assert.deepEqual(adaptTool('s', info({ openWorldHint: true }), async () => ({ content: '', isError: false })).capabilities, ['net']);
  });

  it('registers with a draft-07 or 2020-12 $schema and unknown keywords, and validates inputs like built-in tools', () => {
    const registry = new ToolRegistry();
    const tool = adaptTool('srv', { name: 'get', inputSchema: { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', properties: { url: { type: 'string', format: 'uri', 'x-custom': 1 } }, required: ['url'], additionalProperties: false } }, async () => ({ content: 'ok', isError: false }));
    registry.register(tool);
    const v = registry.validate('srv__get', { uri: 'x' });
    assert.equal(v.ok, false);
    assert.match(v.ok ? '' : v.error, /missing required property 'url'.*unknown property 'uri' \(allowed: url\)/);
  });

  it('results: text as is, links and resources described, images as a placeholder, huge output cut with a note', () => {
    const r = resultText({ content: [
      { type: 'text', text: 'hello' },
      { type: 'image', data: 'A'.repeat(4000), mimeType: 'image/png' },
      { type: 'resource_link', uri: 'file:///a.txt', name: 'a.txt', mimeType: 'text/plain' },
      { type: 'resource', resource: { uri: 'mem://x', text: 'inside' } },
      { type: 'resource', resource: { uri: 'mem://bin', blob: 'AAAA' } },
    ] });
    assert.equal(r.content, 'hello\n[image (image/png, 2.9 KiB) returned by the tool; it is not shown to you]\n[resource link: a.txt <file:///a.txt> (text/plain)]\n[resource <mem://x>]\ninside\n[resource <mem://bin>] binary, 3 B; not shown to you');
    assert.equal(resultText({ content: [], isError: true }).isError, true);
    const big = resultText({ content: [{ type: 'text', text: 'x'.repeat(100_000) }] });
    assert.ok(big.content.length < 65_000);
    assert.match(big.content, /36000 more characters cut/);
  });

  it('results from a server that breaks the schema show the values it sent, never [object Object]', () => {
    const r = resultText({ content: [
      { type: 'text', text: { rows: [1, 2] } },
      { type: 'image', data: 'AAAA', mimeType: { kind: 'png' } },
      { type: 'resource_link', uri: 'file:///a.txt', name: 'a.txt', mimeType: ['text/plain'], description: { lang: 'en' } },
      { type: 'resource', resource: { uri: { href: 'mem://x' }, mimeType: 7, text: 'inside' } },
    ] });
    assert.doesNotMatch(r.content, /\[object Object\]/);
    assert.equal(r.content, '{"rows":[1,2]}\n[image ({"kind":"png"}, 3 B) returned by the tool; it is not shown to you]\n[resource link: a.txt <file:///a.txt> (["text/plain"]) — {"lang":"en"}]\n[resource <{"href":"mem://x"}> (7)]\ninside');
  });
});

describe('MCP launch approval and alwaysAllow', () => {
  const req = (over: Partial<LaunchRequest> = {}): LaunchRequest => ({ workspace: '/ws', server: 'fs', file: '/ws/.aios/mcp.json', commandLine: 'node s.js', ...over });

  it('remembers an approved command line per workspace, outside it, and asks again when any part changes', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'aios-launch-')), 'cfg', 'mcp-launches.json');
    const asked: LaunchRequest[] = [];
    const approver = new RememberingLaunchApprover(new LaunchMemoryFile(file), async (r) => { asked.push(r); return true; });
    assert.equal(await approver.approve(req()), true);
    assert.equal(await approver.approve(req()), true);
    assert.equal(asked.length, 1);
    for (const change of [{ commandLine: 'node s.js --x' }, { workspace: '/other' }, { server: 'fs2' }]) await approver.approve(req(change));
    assert.equal(asked.length, 4);
    assert.doesNotMatch(readFileSync(file, 'utf8'), /node s\.js/, 'only hashes are stored');
    const no = new RememberingLaunchApprover(new LaunchMemoryFile(file), async () => false);
    assert.equal(await no.approve(req({ commandLine: 'rm -rf ~' })), false);
    assert.equal(await no.approve(req({ commandLine: 'rm -rf ~' })), false, 'a refusal is not remembered as a yes');
  });

  it('alwaysAllow allows the listed tools after the capability check, never others, and cannot be removed from the view', () => {
    const rules: StandingRule[] = [];
    const inner = new RulePolicy({ store: { putRule: (r) => rules.push(r), deleteRule: () => undefined, listRules: () => rules }, session: 's' });
    const policy = new McpAlwaysAllowPolicy(inner, () => new Set(['fs__write_file']));
    const request = (name: string, caps: string[] = [], have: string[] = []): PolicyRequest => ({
      pid: 1, session: 's', agentCapabilities: have as never, tool: { name, description: '', inputSchema: { type: 'object' }, risk: 'high', capabilities: caps as never }, input: {}, subject: { kind: 'tool', summary: '', input: {} },
    });
    assert.equal(policy.decide(request('fs__write_file'), 0).verdict, 'allow');
    assert.equal(policy.decide(request('fs__move_file'), 0).verdict, 'ask');
    assert.equal(policy.decide(request('fs__write_file', ['net'], []), 0).verdict, 'deny', 'capabilities still bind');
    assert.deepEqual(policy.rules().map((r) => r.tool), ['fs__write_file']);
    assert.throws(() => policy.removeRule('mcp-config:fs__write_file'), /remove fs__write_file from alwaysAllow/);
  });
});

describe('aios.mcp.servers setting', () => {
  it('is read as an object, refuses other shapes with a message, and applies without a host restart', async () => {
    const { readSettings, classifyChange, initializeParams } = await import('../../src/extension/settingsModel');
    const read = (v: unknown) => readSettings((key) => (key === 'mcp.servers' ? v : undefined));
    const a = read({ fs: { command: 'node' } });
    assert.deepEqual(a.settings.mcpServers, { fs: { command: 'node' } });
    assert.match(read(['x']).problems[0]!.message, /aios\.mcp\.servers must be an object/);
    assert.equal(classifyChange(read({}).settings, a.settings), 'live');
    assert.deepEqual(initializeParams(a.settings, '/ws', '/db', true).mcp, { trusted: true, userServers: { fs: { command: 'node' } } });
    assert.equal(initializeParams(a.settings, '/ws', '/db').mcp?.trusted, false, 'untrusted unless the editor says so');
  });
});

describe('MCP secrets stay out of lists and logs', () => {
  it('the listed command line hides secret-looking environment values but keeps placeholders; the approved one shows all', () => {
    const t = { kind: 'stdio' as const, command: 'srv', args: [], env: { GITHUB_TOKEN: 'ghp_live', API_KEY: '${input:key}', MODE: 'fast' }, cwd: null };
    assert.equal(commandLine(t, true), `API_KEY='\${input:key}' GITHUB_TOKEN=*** MODE=fast srv`);
    assert.match(commandLine(t), /GITHUB_TOKEN=ghp_live/, 'the developer approves what really runs');
  });
});

describe('MCP configuration files are watched', () => {
  it('a server added to, changed in or removed from .aios/mcp.json shows up without a restart (and nothing starts by itself)', async () => {
    const { McpManager } = await import('../../src/mcp/manager');
    const { mkdirSync, writeFileSync, rmSync } = await import('node:fs');
    const ws = mkdtempSync(join(tmpdir(), 'aios-watch-'));
    let changes = 0;
    const manager = new McpManager({
      workspace: ws, sink: new ToolRegistry(), trusted: true, watchMs: 20, log: () => undefined, onChange: () => changes++,
      launch: { approve: async () => { throw new Error('nothing may start'); } }, ask: async () => null,
    });
    const until = async (check: () => boolean, what: string) => {
      const deadline = Date.now() + 5000;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    try {
      assert.deepEqual(manager.list(), []);
      mkdirSync(join(ws, '.aios'));
      writeFileSync(join(ws, '.aios', 'mcp.json'), JSON.stringify({ mcpServers: { a: { command: 'node', args: ['a.js'] } } }));
      await until(() => manager.list().length === 1, 'the new server');
      assert.equal(manager.list()[0]!.state.status, 'idle');
      writeFileSync(join(ws, '.aios', 'mcp.json'), JSON.stringify({ mcpServers: { a: { command: 'node', args: ['a.js', '--v2'] }, b: { url: 'http://127.0.0.1:9/mcp' } } }));
      await until(() => manager.list().length === 2 && manager.list()[0]!.target.includes('--v2'), 'the changed server');
      rmSync(join(ws, '.aios', 'mcp.json'));
      await until(() => manager.list().length === 0, 'the removed servers');
      assert.ok(changes >= 3);
    } finally {
      await manager.dispose();
    }
  });
});
