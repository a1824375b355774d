/** Model specs, the model catalog (prices, windows, keys), spawn admission, model settings and the picker rows. */
import assert from 'node:assert/strict';
import { configuredModels, EMPTY_MODEL_SETTINGS, refuseSpawn, resolveModel, type CatalogContext } from '../../src/llm/modelCatalog';
import { parseModelSpec } from '../../src/llm/modelSpec';
import { CLAUDE_PICKER_MODELS } from '../../src/llm/modelTable';
import { costOf } from '../../src/llm/prices';
import { readModelSettings } from '../../src/extension/modelSettings';
import { modelPickRows, priceLabel } from '../../src/extension/modelPickItems';
import { costLine } from '../../src/extension/format';
import type { ModelSettings } from '../../src/protocol/modelMethods';
import type { AgentView } from '../../src/protocol/hostTypes';
import type { SettingProblem } from '../../src/extension/settingsModel';

const ctx = (settings: Partial<ModelSettings> = {}, env: Record<string, string> = {}, keys: Record<string, string> = {}): CatalogContext => ({
  settings: { ...EMPTY_MODEL_SETTINGS, ...settings }, credentials: { keys, anthropicHeaders: {} }, env,
});

describe('model specs', () => {
  it('parses every provider form; a model id may itself contain colons and slashes', () => {
    assert.deepEqual(parseModelSpec('claude-sonnet-4-5'), { kind: 'anthropic', model: 'claude-sonnet-4-5' });
    assert.deepEqual(parseModelSpec('anthropic:claude-opus-4-1'), { kind: 'anthropic', model: 'claude-opus-4-1' });
    assert.deepEqual(parseModelSpec('openai:gpt-4.1'), { kind: 'openai', endpoint: 'openai', model: 'gpt-4.1' });
    assert.deepEqual(parseModelSpec('openrouter:anthropic/claude-sonnet-4.5'), { kind: 'openai', endpoint: 'openrouter', model: 'anthropic/claude-sonnet-4.5' });
    assert.deepEqual(parseModelSpec('ollama:qwen3:8b'), { kind: 'openai', endpoint: 'ollama', model: 'qwen3:8b' });
    assert.deepEqual(parseModelSpec('vscode-lm:copilot/gpt-4o'), { kind: 'vscode-lm', vendor: 'copilot', family: 'gpt-4o' });
    assert.deepEqual(parseModelSpec('copilot:gpt-4o'), { kind: 'vscode-lm', vendor: 'copilot', family: 'gpt-4o' });
    assert.deepEqual(parseModelSpec('work:qwen3-coder', ['work']), { kind: 'openai', endpoint: 'work', model: 'qwen3-coder' });
    assert.deepEqual(parseModelSpec('scripted:./a.json'), { kind: 'scripted', path: './a.json' });
  });

  it('bad specs say what is wrong and what the forms are', () => {
    assert.throws(() => parseModelSpec('foo:bar'), /Unknown model provider 'foo' in 'foo:bar': give .*openai:MODEL/);
    assert.throws(() => parseModelSpec('ollama:'), /names no model after 'ollama:': e\.g\. ollama:qwen3:8b/);
    assert.throws(() => parseModelSpec('vscode-lm:copilot'), /must be vscode-lm:VENDOR\/FAMILY/);
    assert.throws(() => parseModelSpec('  '), /Empty model setting/);
  });
});

describe('model catalog', () => {
  it('knows prices and windows of known models; an unknown one is unknown, never free', () => {
    const gpt = resolveModel('openai:gpt-4.1', ctx());
    assert.deepEqual([gpt.price?.input, gpt.price?.output, gpt.price?.cacheRead, gpt.contextWindow, gpt.billing], [2, 8, 0.5, 1_047_576, 'usd']);
    const odd = resolveModel('openrouter:someone/new-model', ctx());
    assert.equal(odd.price, null);
    assert.equal(odd.billing, 'unknown');
    assert.equal(resolveModel('ollama:anything', ctx()).price?.input, 0, 'local models are free');
    assert.equal(resolveModel('claude-sonnet-9-9', ctx()).billing, 'unknown');
    assert.equal(resolveModel('vscode-lm:copilot/gpt-4o', ctx()).billing, 'tokens-only');
  });

  it('settings override the table and price unknown models; an endpoint\'s facts apply to its models', () => {
    const c = ctx({
      models: { 'openrouter:someone/new-model': { input: 0.5, output: 1.5, contextWindow: 32_000 }, 'openai:gpt-4.1': { input: 1 } },
      endpoints: { work: { baseUrl: 'http://h/v1', apiKey: 'env:WORK_KEY', models: [], supportsTools: true, facts: { input: 0.1, output: 0.2, contextWindow: 8000 } } },
    }, { WORK_KEY: 'wk-123456789' });
    assert.deepEqual(resolveModel('openrouter:someone/new-model', c).price, { input: 0.5, output: 1.5, cacheRead: 0.5, cacheWrite: 0.5 });
    assert.equal(resolveModel('openrouter:someone/new-model', c).contextWindow, 32_000);
    assert.equal(resolveModel('openai:gpt-4.1', c).price?.input, 1);
    assert.equal(resolveModel('openai:gpt-4.1', c).price?.output, 8);
    const work = resolveModel('work:m', c);
    assert.deepEqual([work.price?.input, work.contextWindow, work.endpoint?.apiKey, work.endpoint?.baseUrl], [0.1, 8000, 'wk-123456789', 'http://h/v1']);
    assert.ok(costOf('claude-sonnet-9-9', { inputTokens: 10, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0 }, { input: 1, output: 1, cacheRead: 1, cacheWrite: 1 }).priced);
  });

  it('keys: SecretStorage first, then the provider\'s usual variable; base URLs from their variables', () => {
    assert.equal(resolveModel('openai:gpt-4.1', ctx({}, { OPENAI_API_KEY: 'env-key' })).endpoint?.apiKey, 'env-key');
    assert.equal(resolveModel('openai:gpt-4.1', ctx({}, { OPENAI_API_KEY: 'env-key' }, { openai: 'stored' })).endpoint?.apiKey, 'stored');
    assert.equal(resolveModel('openrouter:x/y', ctx({}, { OPENROUTER_API_KEY: 'or' })).endpoint?.apiKey, 'or');
    assert.equal(resolveModel('openai:gpt-4.1', ctx({}, { OPENAI_BASE_URL: 'http://127.0.0.1:8000/v1' })).endpoint?.baseUrl, 'http://127.0.0.1:8000/v1');
    assert.equal(resolveModel('ollama:qwen3:8b', ctx()).endpoint?.baseUrl, 'http://127.0.0.1:11434/v1');
    assert.equal(resolveModel('ollama:qwen3:8b', ctx()).endpoint?.needsKey, false);
  });

  it('refuses at spawn a model without tool calling, and a dollar budget it cannot enforce', () => {
    const noTools = resolveModel('tiny:m', ctx({ endpoints: { tiny: { baseUrl: 'http://h/v1', apiKey: 'none', models: [], supportsTools: false, facts: {} } } }));
    assert.match(refuseSpawn(noTools, {}) ?? '', /cannot call tools \(aios\.endpoints\.tiny\.supportsTools is false\).*choose a model with tool calling/);
    const unknown = resolveModel('openrouter:someone/new-model', ctx());
    assert.match(refuseSpawn(unknown, { dollars: 2 }) ?? '', /No price is known for model 'openrouter:someone\/new-model', so its dollar budget \(\$2\.00\) could not be enforced: add its price under aios\.models/);
    assert.equal(refuseSpawn(unknown, { tokens: 1000 }), null, 'without a dollar budget it may run');
    assert.equal(refuseSpawn(unknown, { dollars: Infinity }), null);
    assert.match(refuseSpawn(resolveModel('copilot:gpt-4o', ctx()), { dollars: 1 }) ?? '', /reports no dollar cost/);
    assert.equal(refuseSpawn(resolveModel('openai:gpt-4.1', ctx()), { dollars: 1 }), null);
  });

  it('lists configured models by provider with readiness; named endpoints and priced specs included', () => {
    const list = configuredModels(ctx({ endpoints: { work: { baseUrl: 'http://h/v1', apiKey: 'secret', models: ['a'], supportsTools: true, facts: {} } } }, { OPENAI_API_KEY: 'k' }), CLAUDE_PICKER_MODELS);
    const by = (spec: string) => list.find((m) => m.spec === spec);
    assert.equal(by('openai:gpt-4.1')?.ready, true);
    assert.equal(by('openrouter:anthropic/claude-sonnet-4.5')?.ready, false);
    assert.match(by('openrouter:anthropic/claude-sonnet-4.5')?.note ?? '', /OPENROUTER_API_KEY/);
    assert.equal(by('work:a')?.ready, false);
    assert.equal(by('work:a')?.price, null);
    assert.equal(by('ollama:qwen3:8b')?.ready, true);
  });
});

describe('model settings and the picker', () => {
  it('refuses credentials in settings: secret-looking headers, keys in endpoints, non-http base URLs', () => {
    const problems: SettingProblem[] = [];
    const raw: Record<string, unknown> = {
      'anthropic.baseUrl': 'file:///etc/passwd',
      'anthropic.headers': { 'x-team': 'payments', Authorization: 'Bearer sk-secret', 'x-api-key': 'k', 'X-Gateway-Token': 't' },
      endpoints: { work: { baseUrl: 'http://127.0.0.1:8000/v1', apiKey: 'sk-live-1234' }, ok: { baseUrl: 'http://127.0.0.1:8000/v1', apiKey: 'env:OK_KEY', models: ['m'], contextWindow: 5 }, anthropic: { baseUrl: 'http://x/v1' } },
      models: { 'openai:x': { input: -1, output: 2 } },
    };
    const s = readModelSettings((k) => raw[k], problems);
    assert.equal(s.anthropicBaseUrl, '');
    assert.deepEqual(s.anthropicHeaders, { 'x-team': 'payments' });
    assert.deepEqual(Object.keys(s.endpoints), ['ok']);
    assert.deepEqual(s.endpoints['ok']?.facts, {});
    assert.deepEqual(s.models['openai:x'], { output: 2 });
    const text = problems.map((p) => p.message).join('\n');
    for (const secret of ['sk-secret', 'sk-live-1234', "'k'", "'t'"]) assert.ok(!text.includes(secret), `a problem message repeats ${secret}`);
    assert.match(text, /header 'Authorization' looks like a credential.*"AIOS: Set API Key" → "Anthropic gateway header"/);
    assert.match(text, /"apiKey" must be "secret".*never the key itself/);
    assert.match(text, /aios\.anthropic\.baseUrl: must be an http\(s\) URL/);
  });

  it('an unknown price reads —, a local model free, never $0.00 for unknown', () => {
    assert.equal(priceLabel(null), 'price —');
    assert.equal(priceLabel({ input: 0, output: 0 }), 'free (local)');
    assert.equal(priceLabel({ input: 3, output: 15 }), '$3 / $15 per M tokens');
    const agent = { usage: { dollars: 0 }, budgets: { dollars: null } } as unknown as AgentView;
    assert.match(costLine({ ...agent, billing: 'unknown' }), /^Cost: — /);
    assert.match(costLine({ ...agent, billing: 'tokens-only' }), /not reported in dollars.*counts tokens and requests/);
    assert.equal(costLine({ ...agent, billing: 'usd' }), 'Cost: $0.00 of unlimited');
  });

  it('groups the picker by provider, marks VS Code models as tokens-only, and says why they are unavailable', () => {
    const configured = configuredModels(ctx({}, { OPENAI_API_KEY: 'k' }), CLAUDE_PICKER_MODELS);
    const rows = modelPickRows({ fallback: 'claude-sonnet-4-5', scripts: ['.aios/scripts/coder.json'], configured, lm: { available: true, models: [{ id: 'c', vendor: 'copilot', family: 'gpt-4o', name: 'GPT-4o', maxInputTokens: 64000 }] } });
    const separators = rows.filter((r) => r.kind === 'separator').map((r) => r.label);
    assert.deepEqual(separators, ['Anthropic (Claude)', 'OpenAI', 'OpenRouter', 'Ollama (local)', 'VS Code language models', 'Offline scripted model']);
    const copilot = rows.find((r) => r.kind === 'model' && r.spec === 'vscode-lm:copilot/gpt-4o');
    assert.match(copilot?.kind === 'model' ? copilot.description : '', /no dollar cost reported: budgets count tokens \(countTokens\) and requests/);
    const old = modelPickRows({ fallback: 'x', scripts: [], configured: [], lm: { available: false, reason: 'VS Code 1.90 cannot give tools to its language models' } });
    const row = old.find((r) => r.kind === 'model' && r.spec === null);
    assert.match(row?.kind === 'model' ? row.description : '', /cannot give tools/);
  });
});
