/**
 * The pure parts of transcripts: card states from approval events, tool inputs and results for
 * people, what "Always allow…" covers, the message-box sentences, paths a result may link to,
 * and budget warnings at 80 %.
 */
import assert from 'node:assert/strict';
import type { StoredEvent } from '../../src/kernel/events';
import type { AgentRecord } from '../../src/kernel/types';
import { emptyUsage, unlimitedBudgets } from '../../src/kernel/types';
import type { AgentView, ApprovalView } from '../../src/protocol/hostTypes';
import { budgetWarnings, safeRelative, sendResultText } from '../../src/extension/transcript/transcriptText';
import { alwaysAllowCovers } from '../../src/transcript/approvals';
import { TranscriptBuilder } from '../../src/transcript/builder';
import type { PageMeta } from '../../src/transcript/pages';
import { resultView, summarizeInput } from '../../src/transcript/toolText';

function agent(over: Partial<AgentRecord> = {}): AgentRecord {
  return {
    pid: 1, name: 'coder-1', role: 'coder', priority: 50, state: 'running', waitReason: null, reason: null, parent: null, createdAt: 0, updatedAt: 0,
    task: 'fix it', model: 'scripted:x.json', budgets: unlimitedBudgets(), usage: emptyUsage(), capabilities: [], context: { tokens: 1000, high: 0.9, low: 0.7 }, result: null, ...over,
  };
}

function builder(pages: PageMeta[] = [], a = agent()): { b: TranscriptBuilder; feed: (...events: StoredEvent['event'][]) => void } {
  const b = new TranscriptBuilder({ pid: 1, agent: () => a, pages: { list: () => pages, blocks: (p) => p.blocks } });
  let seq = 0;
  return { b, feed: (...events) => { for (const event of events) b.apply({ seq: ++seq, at: seq, event }); } };
}

const toolEntry = (b: TranscriptBuilder) => b.view().entries.find((e) => e.kind === 'tool');

describe('transcript builder: tool cards', () => {
  const page: PageMeta = { id: 1, kind: 'message', role: 'assistant', tokens: 10, pinned: false, resident: true, blocks: [{ type: 'tool_use', id: 'c1', name: 'run_command', input: { command: 'npm test' } }] };

  it('a call allowed by a standing rule says so, with the rule', () => {
    const { b, feed } = builder([page]);
    feed({ type: 'tool.call', pid: 1, tool: 'run_command', callId: 'c1', risk: 'high' },
      { type: 'approval.decided', pid: 1, requestId: '-', decision: 'allow', actor: 'policy', rule: 'r-7' },
      { type: 'tool.result', pid: 1, tool: 'run_command', callId: 'c1', isError: false, durationMs: 12 });
    const e = toolEntry(b);
    assert.ok(e?.kind === 'tool');
    assert.equal(e.state, 'approved_by_rule');
    assert.equal(e.rule, 'r-7');
    assert.equal(e.summary, 'npm test');
    assert.equal(e.durationMs, 12);
  });

  it('a call the developer denied stays denied (not "failed") and keeps the reason given to the model', () => {
    const { b, feed } = builder([page, { id: 2, kind: 'tool_result', role: 'user', tokens: 5, pinned: false, resident: true, blocks: [{ type: 'tool_result', toolUseId: 'c1', content: 'the developer denied this', isError: true }] }]);
    feed({ type: 'tool.call', pid: 1, tool: 'run_command', callId: 'c1', risk: 'high' },
      { type: 'approval.requested', pid: 1, requestId: '1-1', tool: 'run_command', risk: 'high', summary: 'run npm test' });
    assert.equal(toolEntry(b)?.kind === 'tool' && toolEntry(b)?.state, 'waiting');
    feed({ type: 'approval.decided', pid: 1, requestId: '1-1', decision: 'deny', actor: 'developer', rule: null },
      { type: 'tool.result', pid: 1, tool: 'run_command', callId: 'c1', isError: true, durationMs: 3 });
    const e = toolEntry(b);
    assert.ok(e?.kind === 'tool');
    assert.equal(e.state, 'denied');
    assert.equal(e.approval, null);
    assert.equal(e.reason, 'the developer denied this');
  });

  it('events of other agents and events seen before are ignored', () => {
    const { b, feed } = builder([page]);
    feed({ type: 'tool.call', pid: 2, tool: 'run_command', callId: 'c1', risk: 'high' });
    assert.equal(toolEntry(b), undefined);
    b.apply({ seq: 5, at: 5, event: { type: 'tool.call', pid: 1, tool: 'run_command', callId: 'c1', risk: 'high' } });
    assert.deepEqual(b.apply({ seq: 5, at: 5, event: { type: 'agent.malformed', pid: 1, tool: 'x', error: 'e', consecutive: 1 } }), []);
  });

  it('a budget suspension names the budget; the strip offers to raise it', () => {
    const a = agent({ budgets: { ...unlimitedBudgets(), steps: 3 }, usage: { ...emptyUsage(), steps: 3 } });
    const { b, feed } = builder([], a);
    feed({ type: 'budget.exceeded', pid: 1, budget: 'steps', used: 3, limit: 3 });
    a.state = 'suspended';
    feed({ type: 'agent.state', pid: 1, from: 'ready', to: 'suspended', waitReason: null, reason: 'step budget reached' });
    assert.equal(b.strip().suspendedBy, 'steps');
    assert.deepEqual(b.strip().steps, { used: 3, limit: 3, fraction: 1 });
    const status = b.view().entries.at(-1);
    assert.ok(status?.kind === 'status' && status.budget === 'steps');
  });
});

describe('tool calls for people', () => {
  it('summarises inputs by what they act on', () => {
    assert.equal(summarizeInput('run_command', { command: ['npm', 'test'] }), 'npm test');
    assert.equal(summarizeInput('edit_file', { path: 'src/a.ts', old_text: 'x', new_text: 'y' }), 'src/a.ts');
    assert.equal(summarizeInput('recall', { page: 12 }), 'page 12');
    assert.equal(summarizeInput('ask_developer', { question: 'which?' }), 'which?');
    assert.ok(summarizeInput('other', { text: 'x'.repeat(500) }).length <= 120);
    // A model may send any JSON where a string or number belongs: show it, never [object Object].
    assert.equal(summarizeInput('recall', { page: { n: 12 } }), 'page {"n":12}');
  });

  it('shows what a command result holds even where a field has the wrong type', () => {
    const r = resultView('run_command', {}, JSON.stringify({ exit_code: 0, stdout: '', changed: [{ path: { name: 'a.txt' }, status: ['added'] }, { path: 'b.txt' }] }), false);
    assert.ok(r.kind === 'command');
    assert.deepEqual(r.changed, [{ path: '{"name":"a.txt"}', status: '["added"]' }, { path: 'b.txt', status: '' }]);
  });

  it('reads a command result: exit code, output, changed and applied files', () => {
    const r = resultView('run_command', {}, JSON.stringify({ exit_code: 1, stdout: 'ok\n', stderr: 'bad\n', duration_ms: 5, killed: null, changed: [{ path: 'a.txt', status: 'added' }], applied: [], not_applied: ['a.txt'], conflicts: [] }), true);
    assert.ok(r.kind === 'command');
    assert.equal(r.exitCode, 1);
    assert.equal(r.stderr, 'bad\n');
    assert.deepEqual(r.notApplied, ['a.txt']);
    // A command refused before it ran has no JSON: plain text, as an error.
    assert.deepEqual(resultView('run_command', {}, 'denied by policy: no', true), { kind: 'text', text: 'denied by policy: no', isError: true });
  });
});

describe('"Always allow…" says exactly what it covers', () => {
  const view = (over: Partial<ApprovalView>): ApprovalView => ({ id: '1-1', pid: 1, agentName: 'coder-1', tool: 'edit_file', risk: 'medium', createdAt: 0, rememberable: true, ruleCovers: null, subject: { kind: 'tool', summary: '', input: {} }, ...over } as ApprovalView);
  it('an edit covers its file only (glob characters are the file\'s own)', () => {
    const files = [{ path: 'src/[id].ts', status: 'modified' as const, diff: '', before: '', after: '' }];
    assert.equal(alwaysAllowCovers(view({ subject: { kind: 'edit', summary: '', files } })), 'edit_file on src/[id].ts, for coder-1 only, until you remove the rule in the Tools view');
  });
  it('a command covers its first two words', () => {
    assert.match(alwaysAllowCovers(view({ tool: 'run_command', subject: { kind: 'command', summary: '', command: 'npm test -- --grep x', cwd: '.' } })) ?? '', /^run_command for commands starting with npm test,/);
  });
  it('nothing for a compound command or a critical tool', () => {
    assert.equal(alwaysAllowCovers(view({ tool: 'run_command', subject: { kind: 'command', summary: '', command: 'npm test && rm -rf .', cwd: '.' } })), null);
    assert.equal(alwaysAllowCovers(view({ rememberable: false })), null);
  });
});

describe('transcript tab: sentences, links and warnings', () => {
  it('says what became of a message, and which budget stopped it', () => {
    assert.match(sendResultText({ outcome: 'queued' }, 'coder-1'), /when the step ends/);
    assert.match(sendResultText({ outcome: 'new_turn' }, 'coder-1'), /new turn/);
    assert.equal(sendResultText({ outcome: 'budget', budget: 'dollars', used: 2, limit: 2 }, 'coder-1\u001b[2K'), "Not sent: coder-1\\e[2K's dollars budget is spent ($2.0000 of $2.0000). Raise it to let it take a new turn.");
  });

  it('links only to paths inside the workspace', () => {
    assert.deepEqual(safeRelative('src/./a.ts'), ['src', 'a.ts']);
    for (const bad of ['/etc/passwd', '../x', 'a/../../x', 'C:\\x', 'a\\..\\..\\x', '', 'a\nb']) assert.equal(safeRelative(bad), null, bad);
  });

  it('warns at 80 % of a budget of a live agent, not of a finished one', () => {
    const view = (state: AgentView['state'], steps: number): AgentView => ({
      pid: 1, name: 'a', role: 'coder', priority: 50, state, waitReason: null, reason: null, parent: null, task: '', model: 'scripted', scripted: true,
      budgets: { tokens: null, dollars: 2, steps: 10 }, usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, dollars: 0, steps }, capabilities: [], createdAt: 0, updatedAt: 0, result: null,
    });
    assert.deepEqual(budgetWarnings(view('running', 7)), []);
    assert.deepEqual(budgetWarnings(view('running', 8)), [{ budget: 'steps', percent: 80, used: 8, limit: 10 }]);
    assert.deepEqual(budgetWarnings(view('done', 9)), []);
  });
});
