/**
 * AIOS inside a real extension host, against the real `vscode` API: activation, the commands,
 * the tree views fed by a real kernel host process and SQLite file, the approval center, the API
 * key in SecretStorage, settings, and what deactivation leaves behind. The workspace is a copy of
 * demo/ (the launcher makes it), the model the offline scripted one.
 */
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { AiosTestHandles } from '../../src/extension/extension';
import { toHost, type SpawnParams } from '../../src/protocol/hostMethods';
import type { AgentView, StateSnapshot } from '../../src/protocol/hostTypes';

const EXTENSION_ID = 'aios-dev.aios';

/** Polls `probe` until it returns a value (not undefined), or fails after `timeoutMs` saying what it waited for. */
async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Label and description of each root row a tree provider gives VS Code. */
async function rows(provider: vscode.TreeDataProvider<unknown>): Promise<Array<{ label: string; description: string }>> {
  const roots = (await provider.getChildren()) ?? [];
  const items = await Promise.all(roots.map(async (n) => provider.getTreeItem(n)));
  const text = (l: string | vscode.TreeItemLabel | undefined) => (typeof l === 'string' ? l : l?.label ?? '');
  return items.map((i) => ({ label: text(i.label), description: typeof i.description === 'string' ? i.description : '' }));
}

function spawnParams(task: string, role: string, model: string): SpawnParams {
  return {
    task, role, priority: 50, model,
    budgets: { tokens: 500_000, dollars: 2, steps: 50 },
    context: { tokens: 100_000, high: 0.9, low: 0.7 },
    capabilities: ['fs.read', 'fs.write'],
    parent: null,
  };
}

describe('AIOS in the extension host', function () {
  let api: AiosTestHandles;
  const folder = () => vscode.workspace.workspaceFolders?.[0]?.uri ?? assert.fail('the launcher opens a copy of demo/ as the workspace');
  const read = async (rel: string) => new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder(), rel)));
  const host = () => api.supervisor.current ?? assert.fail(`the kernel host is ${api.supervisor.status}`);
  const agent = (name: string) => api.state.snapshot?.agents.find((a) => a.name === name);
  // By method name: this bundle's copy of vscode-jsonrpc is not the extension's, and a request
  // type object from one copy is not understood by a connection of the other.
  const spawn = (p: SpawnParams) => host().connection.sendRequest(toHost.spawn.method, p) as Promise<AgentView>;
  // a setting may restart the host: wait for it rather than catch it in between
  const kernelState = async () => (await api.supervisor.whenRunning(60_000)).connection.sendRequest(toHost.state.method) as Promise<StateSnapshot>;

  before(async function () {
    const ext = vscode.extensions.getExtension<AiosTestHandles>(EXTENSION_ID) ?? assert.fail(`${EXTENSION_ID} is not loaded: is extensionDevelopmentPath the repository?`);
    api = await ext.activate();
    await api.supervisor.whenRunning(60_000);
  });

  it('activates on the open folder and starts its kernel host process', async () => {
    assert.equal(vscode.extensions.getExtension(EXTENSION_ID)?.isActive, true);
    assert.equal(api.supervisor.status, 'running');
    const info = host().info;
    assert.match(info.runtime, /ABI \d+/);
    assert.ok(host().child.pid && host().child.exitCode === null, 'the host process is alive');
    await until('the first state', () => api.state.snapshot ?? undefined);
  });

  it('registers every command package.json contributes', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const contributed = (ext.packageJSON as { contributes: { commands: Array<{ command: string }> } }).contributes.commands.map((c) => c.command);
    assert.ok(contributed.length > 10);
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepEqual(contributed.filter((c) => !registered.has(c)), [], 'contributed but not registered');
    const ours = [...registered].filter((c) => c.startsWith('aios.') && !c.startsWith('aios.agents') && !c.startsWith('aios.approvals') && !c.startsWith('aios.memory') && !c.startsWith('aios.tools'));
    assert.deepEqual(ours.filter((c) => !contributed.includes(c)), [], 'registered but not in package.json');
  });

  it("feeds the Agents, Approvals, Memory and Tools views from the kernel's state", async () => {
    const spawned = await spawn(spawnParams('Fix the greeting typo in src/greet.js', 'coder', 'scripted:.aios/scripts/coder.json'));
    assert.equal(spawned.name, 'coder-1');
    const row = await until('coder-1 to need approval in the Agents view', async () => (await rows(api.views.agents)).find((r) => r.label === 'coder-1' && /^needs approval/.test(r.description)));
    assert.match(row.description, /scripted/);
    const pending = await until('the request in the Approvals view', async () => (await rows(api.views.approvals))[0]);
    assert.match(pending.label, /^edit src\/greet\.js/);
    assert.match(pending.description, /^coder-1 · medium risk/);
    const memory = await rows(api.views.memory);
    assert.ok(memory.some((r) => r.label === 'All agents'), JSON.stringify(memory));
    assert.ok(memory.some((r) => r.label === 'coder-1'), JSON.stringify(memory));
    const tools = await rows(api.views.tools);
    assert.ok(tools.some((r) => r.label === 'Sandbox'), JSON.stringify(tools));
  });

  it('answers the request through the approval center: Approve applies the edit; a second Approve finds it answered', async () => {
    const before = await read('src/greet.js');
    const [request] = api.approvals.list();
    assert.ok(request, 'one pending request');
    await vscode.commands.executeCommand('aios.approve', request.id);
    await until('coder-1 to finish', () => (agent('coder-1')?.state === 'done' ? true : undefined));
    const after = await read('src/greet.js');
    assert.notEqual(after, before);
    assert.match(after, /'Hello, ' \+ name/);
    assert.equal(api.approvals.list().length, 0);
    assert.match(api.approvals.staleMessage(request.id, request), /coder-1's request to edit src\/greet\.js .*was already answered \(approved\)/);
  });

  it('keeps the API key in SecretStorage, gives it to the kernel host, and never writes it to settings', async () => {
    const key = `sk-ant-test-${'x'.repeat(24)}`;
    const noKey = /No Anthropic API key/;
    const claudeAgent = async (task: string) => {
      const a = await spawn(spawnParams(task, 'analyst', 'claude-sonnet-4-5'));
      return until(`${a.name} to stop (no model is reachable here)`, () => {
        const now = agent(a.name);
        return now && ['failed', 'done', 'killed'].includes(now.state) ? now : undefined;
      }, 60_000);
    };
    const without = await claudeAgent('explain the code, without a key');
    assert.match(without.reason ?? '', noKey);
    await vscode.commands.executeCommand('aios.setApiKey', key);
    await api.supervisor.whenRunning(60_000);
    const withKey = await claudeAgent('explain the code, with a key');
    assert.doesNotMatch(withKey.reason ?? '', noKey, 'the host received the key from SecretStorage');
    assert.ok(!JSON.stringify(vscode.workspace.getConfiguration('aios')).includes(key), 'the key is not in the settings');
    await vscode.commands.executeCommand('aios.removeApiKey', 'anthropic');
    await api.supervisor.whenRunning(60_000);
    assert.match((await claudeAgent('explain the code, key removed')).reason ?? '', noKey);
  });

  it('refuses an invalid setting (the default applies) and applies a valid one to the running kernel', async () => {
    const config = () => vscode.workspace.getConfiguration('aios');
    const maxConcurrent = async () => (await kernelState()).scheduler.maxConcurrent;
    try {
      await config().update('scheduler.maxConcurrent', 2, vscode.ConfigurationTarget.Global);
      await until('maxConcurrent 2 in the kernel', async () => ((await maxConcurrent()) === 2 ? true : undefined));
      await config().update('scheduler.maxConcurrent', 0, vscode.ConfigurationTarget.Global);
      await until('the default (4) back in the kernel', async () => ((await maxConcurrent()) === 4 ? true : undefined));
    } finally {
      await config().update('scheduler.maxConcurrent', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('leaves nothing running after deactivation: the kernel host exits and the commands are gone', async () => {
    const pid = (await api.supervisor.whenRunning(60_000)).child.pid!;
    await api.deactivate();
    const alive = () => { try { process.kill(pid, 0); return true; } catch { return false; } };
    await until('the kernel host process to exit', () => (alive() ? undefined : true), 10_000);
    assert.equal(api.supervisor.status, 'stopped');
    const commands = await vscode.commands.getCommands(true);
    assert.equal(commands.includes('aios.spawnAgent'), false);
  });
});
