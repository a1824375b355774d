import assert from 'node:assert/strict';
import type { LlmProvider, LlmRequest, LlmResponse } from '../../src/kernel/ports/llm';
import { TaskRouter, type RouteMatch } from '../../src/router/router';
import { modelRoleChooser } from '../../src/router/routerModel';
import { BUILTIN_ROLES, mergeRoles, parseRoles } from '../../src/router/routerRoles';
import { RoutingService, type RoleChooser, type RoutingLog, type RoutingRecord, type StoredRouting } from '../../src/router/routerService';
import { charGrams, jaccard, stem, tokenize } from '../../src/text/terms';

const router = new TaskRouter(BUILTIN_ROLES);

function route(task: string): RouteMatch {
  return router.route(task);
}

describe('router text', () => {
  it('stems English words consistently', () => {
    for (const [a, b] of [['tests', 'testing'], ['fixes', 'fixed'], ['debugging', 'debug'], ['reviewed', 'review'], ['analyzing', 'analyze'], ['classes', 'class']]) {
      assert.equal(stem(a), stem(b), `${a} / ${b}`);
    }
    assert.notEqual(stem('test'), stem('text'));
  });

  it('splits Chinese into character bigrams and keeps Latin words in mixed text', () => {
    assert.deepEqual(tokenize('给 parser 写单元测试'), { words: ['parser'], cjk: ['给', '写单', '单元', '元测', '测试'] });
    assert.deepEqual(tokenize('修复Bug！').words, ['bug']);
    assert.deepEqual(tokenize('测').cjk, ['测']);
  });

  it('measures typo similarity with padded character bigrams', () => {
    assert.ok(jaccard(charGrams('reviw'), charGrams('review')) >= 0.6);
    assert.ok(jaccard(charGrams('docker'), charGrams('review')) < 0.2);
  });
});

describe('TaskRouter', () => {
  it('has five built-in roles with 80+ English and Chinese keywords', () => {
    assert.deepEqual(BUILTIN_ROLES.map((r) => r.name), ['coder', 'reviewer', 'tester', 'analyst', 'writer']);
    const all = BUILTIN_ROLES.flatMap((r) => [...r.keywords, ...r.phrases]);
    const chinese = all.filter((k) => /[\u4e00-\u9fff]/.test(k));
    assert.ok(all.length >= 80, `${all.length} keywords`);
    assert.ok(chinese.length >= 40, `${chinese.length} Chinese keywords`);
    assert.ok(all.length - chinese.length >= 40);
  });

  const cases: Array<[string, string, RouteMatch['tier']]> = [
    ['Please do a code review of the scheduler change', 'reviewer', 'exact'],
    ['Write unit tests for the parser', 'tester', 'exact'],
    ['Update the README with the install steps', 'writer', 'exact'],
    ['Find the root cause of the memory leak', 'analyst', 'exact'],
    ['fix the crash in the scheduler', 'coder', 'keyword'],
    ['Implement pagination for the /users endpoint', 'coder', 'keyword'],
    ['investigate why latency doubled', 'analyst', 'keyword'],
    ['给调度器写单元测试', 'tester', 'exact'],
    ['分析系统性能', 'analyst', 'exact'],
    ['写一份使用说明', 'writer', 'exact'],
    ['帮我审查这段代码', 'reviewer', 'keyword'],
    ['修复调度器里的崩溃', 'coder', 'keyword'],
    ['统计每个接口的延迟', 'analyst', 'keyword'],
    ['reviw my chnages', 'reviewer', 'fuzzy'],
  ];
  for (const [task, role, tier] of cases) {
    it(`routes "${task}" to ${role} (${tier})`, () => {
      const m = route(task);
      assert.equal(m.role, role, JSON.stringify(m));
      assert.equal(m.tier, tier, JSON.stringify(m));
      assert.ok(m.confidence > 0 && m.confidence <= 1);
    });
  }

  it('orders confidences: exact above keyword above fuzzy; more and clearer hits above fewer', () => {
    const exact = route('write unit tests for the parser').confidence;
    const twoKeywords = route('fix the crash').confidence;
    const oneKeyword = route('fix it').confidence;
    const fuzzy = route('reviw my chnages').confidence;
    assert.ok(exact >= 0.9, `exact ${exact}`);
    assert.ok(exact > twoKeywords && twoKeywords > oneKeyword && oneKeyword > fuzzy, `${exact} ${twoKeywords} ${oneKeyword} ${fuzzy}`);
    assert.ok(fuzzy <= 0.7);
  });

  it('is unsure (below 0.5) on a tie between roles and says so', () => {
    const m = route('fix the failing test');
    assert.equal(m.tier, 'keyword');
    assert.ok(m.confidence < 0.5, String(m.confidence));
    assert.match(m.reason, /\(coder 1 vs tester 1\)|\(tester 1 vs coder 1\)/);
    assert.deepEqual(m.candidates.map((c) => c.role).sort(), ['coder', 'tester']);
  });

  it('gives the default role with tier none and confidence 0 when nothing matches', () => {
    const m = route('hello there');
    assert.deepEqual([m.role, m.tier, m.confidence], ['coder', 'none', 0]);
  });

  it('lets a longer Chinese keyword hide a shorter one inside it', () => {
    // 代码质量 (reviewer) contains 代码; 测试用例 (tester phrase) contains 测试
    assert.equal(route('代码质量怎么样').role, 'reviewer');
    const m = route('补充测试用例');
    assert.equal(m.role, 'tester');
  });

  it('treats phrases of two roles as strong keywords instead of deciding at the exact tier', () => {
    const m = route('code review and unit test');
    assert.equal(m.tier, 'keyword');
    assert.ok(m.confidence < 0.9);
  });

  it('routes with workspace roles merged over the built-ins', () => {
    const roles = mergeRoles([
      { name: 'dba', description: 'Designs schemas and tunes SQL queries.', keywords: ['sql', 'schema', 'index', '数据库', '索引'], phrases: ['slow query'] },
      { name: 'tester', keywords: ['property-based'] },
    ]);
    const r = new TaskRouter(roles);
    assert.equal(r.route('speed up the slow query on orders').role, 'dba');
    assert.equal(r.route('给订单表加索引').role, 'dba');
    assert.equal(r.route('add property-based checks').role, 'tester');
    assert.equal(roles.find((x) => x.name === 'tester')?.description, BUILTIN_ROLES[2].description, 'a merged role keeps what it does not override');
  });

  it('rejects bad role files with the file and the problem', () => {
    assert.throws(() => parseRoles({ roles: [{ name: 'Bad Name' }] }, '.aios/roles.json'), /Invalid roles in \.aios\/roles\.json: roles\[0\]\.name must match pattern/);
    assert.throws(() => parseRoles({ roles: [{ name: 'dba', keywords: 'sql' }] }, 'x'), /roles\[0\]\.keywords must be array/);
    assert.throws(() => mergeRoles([{ name: 'dba', keywords: ['sql'] }]), /role 'dba' needs a description/);
    assert.throws(() => mergeRoles([{ name: 'dba', description: 'x' }]), /needs at least one keyword or phrase/);
  });
});

class MemoryLog implements RoutingLog {
  rows: StoredRouting[] = [];
  record(entry: RoutingRecord): number {
    this.rows.push({ ...entry, id: this.rows.length + 1, pid: null, outcome: null });
    return this.rows.length;
  }
  linkAgent(id: number, pid: number): void { this.rows[id - 1].pid = pid; }
  recordOutcome(pid: number, outcome: string): void { for (const r of this.rows) if (r.pid === pid) r.outcome = outcome; }
  recent(limit: number): StoredRouting[] { return this.rows.slice(-limit).reverse(); }
}

describe('RoutingService fallbacks', () => {
  const clock = { now: () => 1000 };

  it('takes a confident router answer without asking anyone, and records it', async () => {
    const log = new MemoryLog();
    let asked = 0;
    const chooser: RoleChooser = async () => { asked++; return { role: 'writer', reason: 'x' }; };
    const s = new RoutingService({ router, askModel: chooser, askDeveloper: chooser, log, clock });
    const d = await s.decide('write unit tests for the parser', { source: 'cli' });
    assert.deepEqual([d.role, d.tier, asked], ['tester', 'exact', 0]);
    assert.equal(d.id, 1);
    assert.deepEqual({ ...log.rows[0], candidates: undefined }, { id: 1, at: 1000, task: 'write unit tests for the parser', role: 'tester', tier: 'exact', confidence: d.confidence, reason: d.reason, candidates: undefined, source: 'cli', pid: null, outcome: null });
  });

  it('asks the model below the threshold and keeps its reason', async () => {
    const s = new RoutingService({ router, askModel: async (req) => ({ role: 'tester', reason: `the test fails, so test first (${req.match.role} guessed)` }), clock });
    const d = await s.decide('fix the failing test');
    assert.deepEqual([d.role, d.tier, d.confidence], ['tester', 'model', 0.7]);
    assert.match(d.reason, /keyword match \w+ at 0\.\d+ is below the threshold 0\.5; the model chose: the test fails/);
  });

  it('asks the developer when there is no model, or the model fails or names no role', async () => {
    const errors: string[] = [];
    const developer: RoleChooser = async (req) => ({ role: req.match.candidates[1]?.role ?? 'coder', reason: '' });
    const broken: RoleChooser = async () => { throw new Error('API down'); };
    const nonsense: RoleChooser = async () => ({ role: 'wizard', reason: 'magic' });
    for (const askModel of [null, broken, nonsense]) {
      const s = new RoutingService({ router, askModel, askDeveloper: developer, clock, onChooserError: (who, e) => errors.push(`${who}: ${(e as Error).message}`) });
      const d = await s.decide('hello there');
      assert.deepEqual([d.role, d.tier, d.confidence], ['coder', 'developer', 1]);
    }
    assert.deepEqual(errors, ['model: API down', "model: the model chose 'wizard', which is not a role (coder, reviewer, tester, analyst, writer)"]);
  });

  it('falls back to the best guess (tier default) when nobody answers; a per-call chooser overrides', async () => {
    const s = new RoutingService({ router, askDeveloper: async () => null, clock });
    const d = await s.decide('fix the failing test');
    assert.equal(d.tier, 'default');
    assert.equal(d.role, d.match.role);
    assert.ok(d.confidence < 0.5);
    const picked = await s.decide('fix the failing test', { askDeveloper: async () => ({ role: 'Tester', reason: 'quick pick' }) });
    assert.deepEqual([picked.role, picked.tier], ['tester', 'developer']);
  });

  it('honours the threshold: 0 takes every match, 1 asks for everything but nothing matched', async () => {
    const never = new RoutingService({ router, threshold: 0, askDeveloper: async () => ({ role: 'writer', reason: '' }), clock });
    assert.equal((await never.decide('fix the failing test')).tier, 'keyword');
    assert.equal((await never.decide('hello')).tier, 'developer', 'tier none always falls back');
    const always = new RoutingService({ router, threshold: 1, askDeveloper: async () => ({ role: 'writer', reason: '' }), clock });
    assert.equal((await always.decide('write unit tests')).tier, 'developer');
    assert.throws(() => new RoutingService({ router, threshold: 2 }), /between 0 and 1/);
    await assert.rejects(never.decide('   '), /the task is empty/);
  });
});

describe('modelRoleChooser', () => {
  function provider(scripted: boolean, answer: unknown): LlmProvider & { requests: LlmRequest[] } {
    const requests: LlmRequest[] = [];
    return {
      id: 'fake', scripted, requests,
      async call(request: LlmRequest): Promise<LlmResponse> {
        requests.push(request);
        return {
          content: [{ type: 'tool_use', id: 't1', name: 'choose_role', input: answer }], malformed: [], stopReason: 'tool_use',
          usage: { inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0 }, costUsd: 0, model: request.model, scripted,
        };
      },
    };
  }

  it('is not made for the scripted model', () => {
    assert.equal(modelRoleChooser(provider(true, {}), 'scripted:x'), null);
  });

  it('asks a real model with the roles and the router guess, and reads its tool call', async () => {
    const p = provider(false, { role: 'analyst', reason: 'it asks why', confidence: 0.8 });
    const choose = modelRoleChooser(p, 'claude-x')!;
    const match = router.route('fix the failing test');
    const choice = await choose({ task: 'fix the failing test', roles: BUILTIN_ROLES, match });
    assert.deepEqual(choice, { role: 'analyst', reason: 'it asks why', confidence: 0.8 });
    assert.match(p.requests[0].system, /- tester: Writes and runs tests/);
    assert.deepEqual((p.requests[0].tools[0].inputSchema.properties as { role: { enum: string[] } }).role.enum, ['coder', 'reviewer', 'tester', 'analyst', 'writer']);
    assert.match(JSON.stringify(p.requests[0].messages), /keyword router guessed/);
  });
});
