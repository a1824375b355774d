/** `aios models` against local servers: what is reachable, what lacks a key, and the exit code for a spec that is not served. */
import assert from 'node:assert/strict';
import { modelsCommand } from '../../src/cli/modelsCommand';
import { startOpenAiServer, type OpenAiServer } from '../support/openaiServer';

describe('aios models', () => {
  let openai: OpenAiServer;
  let ollama: OpenAiServer;
  beforeEach(async () => {
    openai = await startOpenAiServer({ apiKey: 'sk-models-test-0123456789', models: ['gpt-4.1', 'gpt-4.1-mini'] });
    ollama = await startOpenAiServer({ models: ['qwen3:8b'] });
  });
  afterEach(async () => {
    await openai.close();
    await ollama.close();
  });

  const env = () => ({ OPENAI_API_KEY: 'sk-models-test-0123456789', OPENAI_BASE_URL: openai.url, OLLAMA_BASE_URL: ollama.url });

  it('says per model whether it is reachable, lacks a key, or is not served, with price (— when unknown) and window', async () => {
    const lines: string[] = [];
    const code = await modelsCommand(['openrouter:someone/new-model'], { json: true, offline: false }, (l) => void lines.push(l), env());
    const rows = lines.map((l) => JSON.parse(l) as { spec: string; reachable: string; detail: string | null; price: unknown; contextWindow: number | null });
    const by = (spec: string) => rows.find((r) => r.spec === spec)!;
    assert.equal(by('openai:gpt-4.1').reachable, 'ok');
    assert.equal(by('openai:gpt-5').reachable, 'unreachable');
    assert.match(by('openai:gpt-5').detail ?? '', /does not list model 'gpt-5'/);
    assert.equal(by('ollama:qwen3:8b').reachable, 'ok');
    assert.equal(by('claude-sonnet-4-5').reachable, 'no-key');
    assert.match(by('openrouter:someone/new-model').detail ?? '', /OPENROUTER_API_KEY/);
    assert.equal(by('openrouter:someone/new-model').price, null);
    assert.equal(code, 1, 'a model asked for by name that is not usable fails the command');
    assert.ok(!lines.join('\n').includes('sk-models-test-0123456789'));
  });

  it('a wrong key is reported without the key, and a model served everywhere exits 0', async () => {
    const lines: string[] = [];
    const code = await modelsCommand(['ollama:qwen3:8b'], { json: false, offline: false }, (l) => void lines.push(l), { ...env(), OPENAI_API_KEY: 'sk-wrong-key-9876543210' });
    const text = lines.join('\n');
    assert.match(text, /openai:gpt-4\.1\s+\$2 \/ \$8\s+1048k\s+UNREACHABLE — .*rejected the key \(401\)/);
    assert.ok(!text.includes('sk-wrong-key-9876543210'));
    assert.equal(code, 0);
  });
});
