/** The offline scripted model: replay per session, script validation, latency and abort. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LlmRequest } from '../../src/kernel/ports/llm';
import { AnthropicProvider } from '../../src/llm/anthropic';
import { createProvider } from '../../src/llm/factory';
import { parseModelSpec } from '../../src/llm/modelSpec';
import { realSleep } from '../../src/llm/abort';
import { SCRIPT_ENDED_TEXT, ScriptedProvider } from '../../src/llm/scripted';
import { within } from '../support/waits';
import type { Script } from '../../src/llm/scriptFile';

const SCRIPT: Script = {
  turns: [
    { text: 'I will create the file.', tool_calls: [{ name: 'write_file', input: { path: 'a.txt', content: 'hi' } }], usage: { input_tokens: 1200, output_tokens: 80 } },
    { text: 'Done.' },
  ],
};

function request(session: string, overrides: Partial<LlmRequest> = {}): LlmRequest {
  return {
    model: 'scripted:demo.json',
    session,
    system: 'You are a test agent.',
    tools: [],
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Create a.txt' }] }],
    maxTokens: 1000,
    cache: { system: true, messages: [] },
    ...overrides,
  };
}

function scriptFile(content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'aios-script-'));
  const path = join(dir, 'script.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => assert.fail('expected a failure'),
    (error: unknown) => error as Error,
  );
}

describe('ScriptedProvider', () => {
  it('replays the turns in order and marks every answer as scripted, at no cost', async () => {
    const provider = new ScriptedProvider(SCRIPT);
    const first = await provider.call(request('1'));
    const second = await provider.call(request('1'));

    assert.equal(provider.scripted, true);
    assert.deepEqual(first.content[0], { type: 'text', text: 'I will create the file.' });
    assert.equal(first.content[1]!.type, 'tool_use');
    assert.deepEqual((first.content[1] as { input: unknown }).input, { path: 'a.txt', content: 'hi' });
    assert.equal(first.stopReason, 'tool_use');
    assert.deepEqual(first.usage, { inputTokens: 1200, outputTokens: 80, cacheReadTokens: 0, cacheWriteTokens: 0 });
    assert.deepEqual(second.content, [{ type: 'text', text: 'Done.' }]);
    assert.equal(second.stopReason, 'end_turn');
    for (const response of [first, second]) {
      assert.equal(response.scripted, true);
      assert.equal(response.costUsd, 0);
    }
  });

  it('keeps an independent cursor per session', async () => {
    const provider = new ScriptedProvider(SCRIPT);
    const a1 = await provider.call(request('a'));
    const b1 = await provider.call(request('b'));
    const a2 = await provider.call(request('a'));
    assert.deepEqual(a1.content[0], { type: 'text', text: 'I will create the file.' });
    assert.deepEqual(b1.content[0], { type: 'text', text: 'I will create the file.' });
    assert.deepEqual(a2.content, [{ type: 'text', text: 'Done.' }]);
  });

  it('answers end_turn saying the script has ended once a session runs out of turns', async () => {
    const provider = new ScriptedProvider(SCRIPT);
    await provider.call(request('1'));
    await provider.call(request('1'));
    const third = await provider.call(request('1'));
    const fourth = await provider.call(request('1'));
    for (const response of [third, fourth]) {
      assert.equal(response.stopReason, 'end_turn');
      assert.deepEqual(response.content, [{ type: 'text', text: SCRIPT_ENDED_TEXT }]);
      assert.equal(response.scripted, true);
    }
  });

  it('streams the text to onText', async () => {
    const deltas: string[] = [];
    await new ScriptedProvider(SCRIPT).call(request('1'), { onText: (d) => deltas.push(d) });
    assert.equal(deltas.join(''), 'I will create the file.');
  });

  it('estimates usage at 4 characters per token when the turn gives none', async () => {
    const provider = new ScriptedProvider({ turns: [{ text: 'x'.repeat(40) }] });
    const big = request('1', { system: 'y'.repeat(4000) });
    const response = await provider.call(big);
    assert.ok(response.usage.inputTokens >= 1000 && response.usage.inputTokens < 1100, String(response.usage.inputTokens));
    assert.ok(response.usage.outputTokens >= 10 && response.usage.outputTokens < 25, String(response.usage.outputTokens));
  });

  it('turns raw_input that is not JSON into a malformed tool call with the raw text', async () => {
    const provider = new ScriptedProvider({ turns: [{ tool_calls: [{ name: 'write_file', raw_input: '{not json' }] }] });
    const response = await provider.call(request('1'));
    assert.equal(response.malformed.length, 1);
    const bad = response.malformed[0]!;
    assert.equal(bad.name, 'write_file');
    assert.equal(bad.raw, '{not json');
    assert.ok(bad.error.length > 0);
    // The tool_use stays in the content, so the error tool_result that answers it has a partner.
    assert.deepEqual(response.content, [{ type: 'tool_use', id: bad.id, name: 'write_file', input: {} }]);
  });

  it('accepts raw_input that is a valid JSON object as the input', async () => {
    const provider = new ScriptedProvider({ turns: [{ tool_calls: [{ name: 'read_file', raw_input: '{"path":"a.txt"}' }] }] });
    const response = await provider.call(request('1'));
    assert.deepEqual(response.malformed, []);
    assert.deepEqual((response.content[0] as { input: unknown }).input, { path: 'a.txt' });
  });

  it('waits latency_ms through the injected sleep', async () => {
    const sleeps: number[] = [];
    const provider = new ScriptedProvider({ turns: [{ text: 'slow', latency_ms: 250 }, { text: 'fast' }] }, { sleep: async (ms) => void sleeps.push(ms) });
    await provider.call(request('1'));
    await provider.call(request('1'));
    assert.deepEqual(sleeps, [250]);
  });

  it('aborts during the latency, without using up the turn', async () => {
    // A real sleep of a minute: only the abort can end this call before mocha's timeout.
    let sleeping!: () => void;
    const asleep = new Promise<void>((resolve) => { sleeping = resolve; });
    const provider = new ScriptedProvider({ turns: [{ text: 'slow', latency_ms: 60_000 }] }, {
      // the call with a signal really sleeps; the replay after it (no signal) does not wait
      sleep: (ms, signal) => { sleeping(); return signal ? realSleep(ms, signal) : Promise.resolve(); },
    });
    const controller = new AbortController();
    const pending = provider.call(request('1', { signal: controller.signal }));
    await asleep;
    controller.abort();
    const error = await within(failure(pending), 2000, 'the aborted call ending');
    assert.equal(error.name, 'AbortError');

    const next = await provider.call(request('1'));
    assert.deepEqual(next.content, [{ type: 'text', text: 'slow' }], 'the aborted call did not consume the turn');
  });

  it('rejects at once when the signal has already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await failure(new ScriptedProvider(SCRIPT).call(request('1', { signal: controller.signal })));
    assert.equal(error.name, 'AbortError');
  });

  describe('script files', () => {
    it('loads a valid file', async () => {
      const provider = ScriptedProvider.fromFile(scriptFile(SCRIPT));
      assert.deepEqual((await provider.call(request('1'))).content[0], { type: 'text', text: 'I will create the file.' });
    });

    it('names the file, the turn and the problem for an invalid script', () => {
      const path = scriptFile({
        turns: [
          { text: 'fine' },
          { text: 'fine' },
          { tool_calls: [{ input: { path: 'a' } }], latency_ms: -5 },
          { txt: 'typo' },
        ],
      });
      assert.throws(() => ScriptedProvider.fromFile(path), (error: Error) => {
        assert.ok(error.message.includes(path), error.message);
        assert.match(error.message, /turn 3 \(turns\[2\]\): tool_calls\[0\] is missing 'name'/);
        assert.match(error.message, /turn 3 \(turns\[2\]\): latency_ms must be >= 0/);
        assert.match(error.message, /turn 4 \(turns\[3\]\): has unknown property 'txt'/);
        assert.doesNotMatch(error.message, /turn 1 /);
        return true;
      });
    });

    it('rejects a tool call with both input and raw_input', () => {
      const path = scriptFile({ turns: [{ tool_calls: [{ name: 'x', input: {}, raw_input: '{' }] }] });
      assert.throws(() => ScriptedProvider.fromFile(path), /turn 1 \(turns\[0\]\): tool_calls\[0\] has both input and raw_input/);
    });

    it('says when the file is not JSON or cannot be read', () => {
      const path = scriptFile('{"turns": [');
      assert.throws(() => ScriptedProvider.fromFile(path), (error: Error) => error.message.includes(path) && /not valid JSON/.test(error.message));
      assert.throws(() => ScriptedProvider.fromFile('/nonexistent/script.json'), /Cannot read model script \/nonexistent\/script\.json/);
      assert.throws(() => ScriptedProvider.fromFile(scriptFile({ steps: [] })), /the script: is missing 'turns'/);
    });
  });
});

describe('model settings', () => {
  it('parses scripted:PATH and Anthropic ids', () => {
    assert.deepEqual(parseModelSpec('scripted:./demo.json'), { kind: 'scripted', path: './demo.json' });
    assert.deepEqual(parseModelSpec(' claude-sonnet-4-6 '), { kind: 'anthropic', model: 'claude-sonnet-4-6' });
    assert.throws(() => parseModelSpec('scripted:'), /names no script/);
    assert.throws(() => parseModelSpec('  '), /Empty model setting/);
  });

  it('builds the provider the setting names', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aios-spec-'));
    writeFileSync(join(dir, 'demo.json'), JSON.stringify(SCRIPT));
    const scripted = createProvider('scripted:demo.json', { baseDir: dir });
    assert.ok(scripted.provider instanceof ScriptedProvider);
    assert.equal(scripted.model, 'scripted:demo.json');
    const real = createProvider('claude-opus-4-5', { anthropic: { apiKey: 'k' } });
    assert.ok(real.provider instanceof AnthropicProvider);
    assert.equal(real.model, 'claude-opus-4-5');
    assert.throws(() => createProvider('scripted:missing.json', { baseDir: dir }), /Cannot read model script/);
  });
});
