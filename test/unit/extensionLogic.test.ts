// The extension's plain logic (no `vscode`): settings, formatting, the process tree, restart and
// refresh policies, proposal paths, spawn input, the status text, the host runtime choice.
import assert from 'node:assert/strict';
import { buildAgentForest } from '../../src/extension/agentForest';
import { agentDescription, agentTooltip, approvalDescription, approvalHeadline, approvalTooltip, diffSize, formatDollars, formatPercent, formatTokens, memoryAccountDescription, stateIcon } from '../../src/extension/format';
import { chooseHostRuntime, fallbackForAbiError, type NativeBuild } from '../../src/extension/hostRuntime';
import { parseProposedPath, proposedPath } from '../../src/extension/proposedPaths';
import { RestartPolicy } from '../../src/extension/restartPolicy';
import { classifyChange, initializeParams, readSettings } from '../../src/extension/settingsModel';
import { defaultModel, parseTokenBudget, roleCapabilities, validatePriority, validateTask, validateTokenBudget } from '../../src/extension/spawnInput';
import { statusText } from '../../src/extension/statusText';
import type { AgentView, ApprovalView, StateSnapshot } from '../../src/protocol/hostTypes';

function agent(pid: number, over: Partial<AgentView> = {}): AgentView {
  return {
    pid, name: `coder-${pid}`, role: 'coder', priority: 50, state: 'running', waitReason: null, reason: null, parent: null, task: 'fix it',
    model: 'scripted:.aios/scripts/coder.json', scripted: true, budgets: { tokens: 500_000, dollars: 2, steps: null },
    usage: { inputTokens: 12_345, outputTokens: 678, cacheReadTokens: 0, dollars: 0, steps: 3 }, capabilities: ['fs.read'],
    createdAt: pid, updatedAt: pid, result: null, ...over,
  };
}

describe('extension logic: settings', () => {
  it('reads defaults, turns 0 into unlimited, and builds the initialize request', () => {
    const { settings, problems } = readSettings(() => undefined);
    assert.deepEqual(problems, []);
    assert.equal(settings.scheduler.requestsPerMinute, null);
    assert.equal(settings.budgets.tokens, 500_000);
    assert.equal(settings.memory.globalLimitBytes, 512 * 1024 * 1024);
    const p = initializeParams(settings, '/ws', '/db');
    assert.equal(p.approvalTimeoutMs, 600_000);
    assert.equal(p.sandbox.enabled, true);
    const zero = readSettings((k) => (k === 'budgets.tokens' ? 0 : undefined)).settings;
    assert.equal(zero.budgets.tokens, null);
  });

  it('refuses bad values with a message naming the setting, and keeps the watermarks ordered', () => {
    const raw: Record<string, unknown> = { 'scheduler.maxConcurrent': 0, 'approvals.askAtOrAbove': 'low', 'context.lowWatermark': 0.95, 'context.highWatermark': 0.9, 'budgets.steps': 2.5 };
    const { settings, problems } = readSettings((k) => raw[k]);
    assert.equal(settings.scheduler.maxConcurrent, 4);
    assert.equal(settings.approvals.askAtOrAbove, 'medium');
    assert.deepEqual([settings.context.low, settings.context.high], [0.7, 0.9]);
    assert.deepEqual(problems.map((p) => p.key).sort(), ['aios.approvals.askAtOrAbove', 'aios.budgets.steps', 'aios.context.lowWatermark', 'aios.scheduler.maxConcurrent']);
    assert.match(problems.find((p) => p.key === 'aios.scheduler.maxConcurrent')!.message, /from 1 to 256 \(got 0\); using 4/);
  });

  it('applies scheduler changes live, restarts for approvals/sandbox/runtime, and ignores spawn defaults', () => {
    const base = readSettings(() => undefined).settings;
    const with_ = (k: string, v: unknown) => readSettings((key) => (key === k ? v : undefined)).settings;
    assert.equal(classifyChange(base, with_('scheduler.maxConcurrent', 8)), 'live');
    assert.equal(classifyChange(base, with_('memory.globalLimitMiB', 1024)), 'live');
    assert.equal(classifyChange(base, with_('approvals.askAtOrAbove', 'high')), 'restart');
    assert.equal(classifyChange(base, with_('sandbox.image', 'x:1')), 'restart');
    assert.equal(classifyChange(base, with_('nodePath', '/usr/bin/node')), 'restart');
    assert.equal(classifyChange(base, with_('budgets.tokens', 1000)), 'none');
    assert.equal(classifyChange(base, with_('model', 'claude-opus-4-1')), 'none');
  });
});

describe('extension logic: formatting', () => {
  it('formats numbers for narrow views', () => {
    assert.equal(formatTokens(1234), '1,234');
    assert.equal(formatTokens(45_600), '45.6k');
    assert.equal(formatTokens(2_500_000), '2.5M');
    assert.equal(formatTokens(500_000), '500k');
    assert.equal(formatDollars(0), '$0.00');
    assert.equal(formatDollars(0.0042), '$0.0042');
    assert.equal(formatDollars(1.5), '$1.50');
    assert.equal(formatPercent(1, 3), '33%');
    assert.equal(formatPercent(1, 300), '0.3%');
  });

  it('describes an agent: state, priority, step, scripted; usage and budgets in the tooltip', () => {
    assert.equal(agentDescription(agent(1, { state: 'waiting', waitReason: 'approval' })), 'needs approval · p50 · step 3 · scripted');
    assert.equal(agentDescription(agent(2, { scripted: false })), 'running · p50 · step 3');
    // Suspend on a running agent takes effect at its step boundary: the row says so until then
    assert.equal(agentDescription(agent(2, { scripted: false, suspending: 'suspended by the developer' })), 'running · suspending after this step · p50 · step 3');
    assert.match(agentTooltip(agent(2, { suspending: 'suspended by the developer' })), /Suspending after this step: suspended by the developer/);
    const tip = agentTooltip(agent(1, { task: 'use *bold* [link](x)' }));
    assert.match(tip, /Tokens: 13,023 of 500,000 \(12,345 in, 678 out, 0 cache read\)/);
    assert.match(tip, /Cost: \$0\.00 of \$2\.00/);
    assert.match(tip, /not generated by an LLM/);
    assert.match(tip, /use \\\*bold\\\* \\\[link\\\]\\\(x\\\)/);
    assert.deepEqual(stateIcon({ state: 'killed', waitReason: null }), { id: 'circle-slash', color: 'disabledForeground' });
    assert.equal(memoryAccountDescription({ pid: 1, used: 1024, quota: 64 * 1024 * 1024, swappedPages: 2, residentPages: 3, residentTokens: 10, pageFaults: 0 }), '0.0% · 1 KiB / 64 MiB · 2 swapped');
  });
});

describe('extension logic: approval rows', () => {
  const edit: ApprovalView = {
    id: '7-1', pid: 7, agentName: 'coder-7', tool: 'edit_file', risk: 'medium', rememberable: true, createdAt: 1_000,
    subject: { kind: 'edit', summary: 'edit src/greet.js (+1 -1)', files: [{ path: 'src/greet.js', status: 'modified', diff: '--- a/src/greet.js\n+++ b/src/greet.js\n@@ -1 +1 @@\n-hi\n+hello\n+world\n', before: 'hi\n', after: 'hello\nworld\n' }] },
  } as ApprovalView;

  it('puts what is asked in the label, who and how risky in the description, the rest in the hover', () => {
    assert.equal(approvalHeadline(edit), 'edit src/greet.js (+1 -1)');
    assert.equal(approvalDescription(edit, 6_000), 'coder-7 · medium risk · 5 s ago');
    assert.equal(diffSize(edit.subject.kind === 'edit' ? edit.subject.files[0].diff : ''), '+2 −1');
    const tip = approvalTooltip(edit);
    assert.ok(tip.startsWith('**coder\\-7** (pid 7) asks to use edit\\_file · medium risk'), tip);
    assert.ok(tip.includes('modified src/greet\\.js (+2 −1 lines, 12 B after)'), tip);
    const command = approvalTooltip({ ...edit, tool: 'run_command', risk: 'high', subject: { kind: 'command', summary: 'run npm test', command: 'npm test', cwd: '/ws' } } as ApprovalView);
    assert.match(command, /asks to use run\\_command · high risk/);
    assert.ok(command.includes('command: npm test (in /ws)'), command);
  });
});

describe('extension logic: the Agents process tree', () => {
  it('puts children under parents, live agents first, finished ones newest first', () => {
    const forest = buildAgentForest([
      agent(1, { state: 'done', updatedAt: 10 }),
      agent(2),
      agent(3, { parent: 2 }),
      agent(4, { state: 'killed', updatedAt: 20 }),
      agent(5, { parent: 99 }),
    ]);
    assert.deepEqual(forest.map((e) => e.agent.pid), [2, 5, 4, 1]);
    assert.deepEqual(forest[0]!.children.map((e) => e.agent.pid), [3]);
  });

  // Its speed is a benchmark (extension.tree_model_1000), not a timed test.
  it('builds a forest of 1,000 agents, each child under its parent', () => {
    const agents = Array.from({ length: 1000 }, (_, i) => agent(i + 1, { parent: i % 10 === 0 || i === 0 ? null : i - (i % 10) + 1 }));
    const forest = buildAgentForest(agents);
    assert.equal(forest.length, 100);
    assert.ok(forest.every((root) => root.children.length === 9 && root.children.every((c) => c.agent.parent === root.agent.pid)));
  });
});

describe('extension logic: restart policy', () => {
  it('restarts with growing delays, tells once, gives up after repeated crashes (telling once more)', () => {
    const p = new RestartPolicy({ initialDelayMs: 100, maxCrashes: 4, windowMs: 60_000 });
    assert.deepEqual(p.crashed(0), { action: 'restart', delayMs: 100, notify: true });
    assert.deepEqual(p.crashed(1000), { action: 'restart', delayMs: 200, notify: false });
    assert.deepEqual(p.crashed(2000), { action: 'restart', delayMs: 400, notify: false });
    assert.deepEqual(p.crashed(3000), { action: 'give_up', notify: true });
    assert.deepEqual(p.crashed(4000), { action: 'give_up', notify: false });
    p.reset();
    assert.deepEqual(p.crashed(5000), { action: 'restart', delayMs: 100, notify: true });
    assert.deepEqual(p.crashed(200_000), { action: 'restart', delayMs: 100, notify: false }, 'old crashes age out');
  });
});

describe('extension logic: proposals, spawn input, status, runtime', () => {
  it('round-trips proposal paths, keeping the file name last for language detection', () => {
    const path = proposedPath({ requestId: '12-3', side: 'after', file: 'src/a b.ts' });
    assert.equal(path, '/12-3/after/src/a b.ts');
    assert.deepEqual(parseProposedPath(path), { requestId: '12-3', side: 'after', file: 'src/a b.ts' });
    assert.equal(parseProposedPath('/x'), null);
  });

  it('validates spawn input and picks the default model', () => {
    assert.equal(validateTask('  '), 'Describe the task, e.g. "Fix the greeting for an empty name in src/greet.js"');
    assert.equal(validateTask('fix'), null);
    assert.equal(validatePriority('100'), 'Priority is a whole number from 0 (most urgent) to 99');
    assert.equal(validatePriority('0'), null);
    assert.equal(validateTokenBudget('1,000'), null);
    assert.equal(parseTokenBudget('0'), null);
    assert.equal(parseTokenBudget('200_000'), 200_000);
    assert.deepEqual(roleCapabilities('reviewer'), ['fs.read']);
    const scripts = ['.aios/scripts/coder.json', '.aios/scripts/writer.json'];
    assert.equal(defaultModel({ setting: '', hasApiKey: false, role: 'writer', scripts, builtinScript: '/ext/x.json' }), 'scripted:.aios/scripts/writer.json');
    assert.equal(defaultModel({ setting: '', hasApiKey: false, role: 'tester', scripts, builtinScript: '/ext/x.json' }), 'scripted:/ext/x.json');
    assert.equal(defaultModel({ setting: '', hasApiKey: false, role: 'tester', scripts: [], builtinScript: '/ext/x.json' }), 'scripted:/ext/x.json');
    assert.equal(defaultModel({ setting: '', hasApiKey: true, role: 'tester', scripts, builtinScript: '/ext/x.json' }), 'claude-sonnet-4-5');
    assert.equal(defaultModel({ setting: 'claude-opus-4-1', hasApiKey: false, role: 'tester', scripts, builtinScript: '' }), 'claude-opus-4-1');
  });

  it('says what runs, what waits, and that the model is scripted', () => {
    const snapshot = { agents: [agent(1), agent(2, { state: 'waiting', waitReason: 'approval' }), agent(3, { state: 'done' })] } as StateSnapshot;
    const s = statusText({ host: 'running', snapshot, pending: 1, hasApiKey: false });
    assert.equal(s.text, '$(hubot) 1 running  $(bell-dot) 1 pending  scripted');
    assert.match(s.tooltip, /^AIOS agents: 1 running, 1 needs approval; 1 finished\n1 approval request waiting for you/);
    assert.match(s.tooltip, /no LLM is called/);
    assert.doesNotMatch(s.tooltip, /\(s\)/);
    // the case: the only agent waits for approval, so nothing is running
    const waiting = statusText({ host: 'running', snapshot: { agents: [agent(1, { state: 'waiting', waitReason: 'approval' })] } as StateSnapshot, pending: 1, hasApiKey: false });
    assert.equal(waiting.text, '$(hubot) 0 running  $(bell-dot) 1 pending  scripted');
    const tool = statusText({ host: 'running', snapshot: { agents: [agent(1, { state: 'waiting', waitReason: 'tool' })] } as StateSnapshot, pending: 0, hasApiKey: false });
    assert.equal(tool.text, '$(hubot) 1 running  scripted');
    assert.match(tool.tooltip, /1 running a tool/);
    assert.equal(s.warning, true);
    const real = statusText({ host: 'running', snapshot: { agents: [agent(1, { scripted: false })] } as StateSnapshot, pending: 0, hasApiKey: true });
    assert.equal(real.text, '$(hubot) 1 running');
    assert.equal(statusText({ host: 'restarting', snapshot: null, pending: 0, hasApiKey: false }).text, '$(hubot) AIOS: starting');
    assert.equal(statusText({ host: 'stopped', snapshot: null, pending: 0, hasApiKey: false }).text, '$(hubot) AIOS: stopped');
  });

  it('runs the host where the packaged better-sqlite3 loads', () => {
    const build: NativeBuild = { abi: '115', node: 'v20.19.0', platform: 'linux', arch: 'x64' };
    const node20 = { abi: '115', node: 'v20.19.0', electron: null };
    const electron = { abi: '132', node: 'v20.18.3', electron: '34.5.1' };
    const probe = (p: string) => ({ '/usr/bin/node': '115', '/opt/node22/bin/node': '127' })[p] ?? null;
    assert.equal(chooseHostRuntime('', node20, build, [], probe).execPath, null);
    assert.equal(chooseHostRuntime('', electron, null, [], probe).execPath, null);
    const picked = chooseHostRuntime('', electron, build, ['/opt/node22/bin/node', '/usr/bin/node'], probe);
    assert.equal(picked.execPath, '/usr/bin/node');
    assert.match(picked.why, /Electron 34\.5\.1 \(ABI 132\).*ABI 115/);
    const none = chooseHostRuntime('', electron, build, ['/opt/node22/bin/node'], probe);
    assert.equal(none.execPath, null);
    assert.match(none.why, /set aios\.nodePath/);
    assert.equal(chooseHostRuntime('/my/node', electron, build, [], probe).execPath, '/my/node');
  });

  it("retries on a Node whose ABI the host's error names", () => {
    const probe = (p: string) => ({ '/usr/bin/node': '115', '/opt/node22/bin/node': '127' })[p] ?? null;
    const error = 'The kernel host cannot load better-sqlite3: it was built for ABI 115, but the host runs on Electron 34.5.1, Node v20.18.3 (ABI 132).';
    assert.equal(fallbackForAbiError(error, ['/opt/node22/bin/node', '/usr/bin/node'], probe), '/usr/bin/node');
    assert.equal(fallbackForAbiError(error, ['/opt/node22/bin/node'], probe), null);
    assert.equal(fallbackForAbiError('database is locked', ['/usr/bin/node'], probe), null);
  });
});
