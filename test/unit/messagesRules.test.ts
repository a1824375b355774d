/**
 * The Messages API rules (src/llm/messagesRules.ts): each rule refuses the request the real API
 * refuses, and the scripted provider's strict mode applies the same rules to the request the
 * Anthropic provider would build from an LlmRequest.
 */
import assert from 'node:assert/strict';
import type { LlmRequest } from '../../src/kernel/ports/llm';
import { parseThinkingModel, toApiParams } from '../../src/llm/anthropicRequest';
import { checkThinkingBlocks, MessagesRules, minCacheableTokens } from '../../src/llm/messagesRules';
import { ScriptedProvider, ScriptedRequestRejectedError } from '../../src/llm/scripted';

type Json = Record<string, unknown>;

const TOOL = { name: 'read_file', description: 'Read a file', input_schema: { type: 'object', properties: { path: { type: 'string' } } } };

function body(overrides: Json = {}): Json {
  return {
    model: 'claude-sonnet-4-5',
    max_tokens: 1024,
    system: [{ type: 'text', text: 'You are careful.' }],
    tools: [TOOL],
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'Read a.txt' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Reading.' }, { type: 'tool_use', id: 'toolu_1', name: 'read_file', input: { path: 'a.txt' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'hello' }, { type: 'text', text: 'go on' }] },
    ],
    ...overrides,
  };
}

const check = (b: Json): string | null => new MessagesRules().check(b);

describe('Messages API rules', () => {
  it('accepts a well-formed tool-use cycle', () => {
    assert.equal(check(body()), null);
  });

  const refusals: Array<[string, Json, RegExp]> = [
    ['no model', { model: '' }, /model: Field required/],
    ['max_tokens 0', { max_tokens: 0 }, /max_tokens: .*greater than or equal to 1/],
    ['max_tokens not an integer', { max_tokens: 10.5 }, /max_tokens: .*integer/],
    ['no messages', { messages: [] }, /at least one message/],
    ['the first message is the assistant\'s', { messages: [{ role: 'assistant', content: 'hi' }, { role: 'user', content: 'x' }] }, /first message must use the "user" role/],
    ['an unknown role', { messages: [{ role: 'user', content: 'x' }, { role: 'system', content: 'y' }] }, /role: Input should be 'user' or 'assistant'/],
    ['an empty text block', { messages: [{ role: 'user', content: [{ type: 'text', text: '' }] }] }, /non-whitespace text/],
    ['a whitespace-only text block', { messages: [{ role: 'user', content: [{ type: 'text', text: ' \n ' }] }] }, /non-whitespace text/],
    ['an empty system block', { system: [{ type: 'text', text: '' }] }, /system.0: .*non-whitespace/],
    ['an empty user message', { messages: [{ role: 'user', content: [] }] }, /non-empty content/],
    ['a tool_result in an assistant message', { messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: [{ type: 'tool_result', tool_use_id: 't', content: 'y' }] }] }, /`tool_result` blocks are not allowed in a `assistant` message/],
    ['a tool_use in a user message', { messages: [{ role: 'user', content: [{ type: 'tool_use', id: 't', name: 'read_file', input: {} }] }] }, /`tool_use` blocks are not allowed in a `user` message/],
    ['text before the tool results', {
      messages: [
        { role: 'user', content: 'x' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'read_file', input: {} }] },
        { role: 'user', content: [{ type: 'text', text: 'here you go' }, { type: 'tool_result', tool_use_id: 'toolu_1', content: 'y' }] },
      ],
    }, /`tool_result` blocks must come first/],
    ['a tool_use never answered', {
      messages: [
        { role: 'user', content: 'x' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'read_file', input: {} }] },
        { role: 'user', content: 'next' },
      ],
    }, /without `tool_result` blocks immediately after: toolu_1/],
    ['a tool_result for no tool_use', { messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_9', content: 'y' }] }] }, /unexpected `tool_use_id`.*toolu_9/],
    ['tool_use input that is not an object', {
      messages: [
        { role: 'user', content: 'x' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'read_file', input: 'a.txt' }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'y' }] },
      ],
    }, /input: Input should be a valid dictionary/],
    ['a tool name with a space', { tools: [{ ...TOOL, name: 'read file' }] }, /name: String should match pattern/],
    ['a tool name over 64 characters', { tools: [{ ...TOOL, name: 'x'.repeat(65) }] }, /name: String should match pattern/],
    ['two tools with one name', { tools: [TOOL, TOOL] }, /Tool names must be unique/],
    ['a tool without input_schema', { tools: [{ name: 'read_file', description: 'x' }] }, /input_schema: Field required/],
    ['an input_schema that is not an object schema', { tools: [{ ...TOOL, input_schema: { type: 'string' } }] }, /input_schema.type: Input should be 'object'/],
    ['an input_schema that is not JSON Schema', { tools: [{ ...TOOL, input_schema: { type: 'object', properties: { path: { type: 'text' } } } }] }, /JSON schema is invalid/],
    ['five cache breakpoints', {
      system: [1, 2, 3, 4, 5].map((n) => ({ type: 'text', text: `part ${n}`, cache_control: { type: 'ephemeral' } })),
    }, /A maximum of 4 blocks with cache_control/],
    ['cache_control on a thinking block', {
      thinking: { type: 'enabled', budget_tokens: 1024 }, max_tokens: 4096,
      messages: [
        { role: 'user', content: 'x' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 't', signature: 's', cache_control: { type: 'ephemeral' } }, { type: 'text', text: 'y' }] },
        { role: 'user', content: 'z' },
      ],
    }, /thinking.cache_control: Extra inputs are not permitted/],
    ['a thinking budget under 1024', { thinking: { type: 'enabled', budget_tokens: 512 } }, /budget_tokens: .*greater than or equal to 1024/],
    ['a thinking budget not under max_tokens', { thinking: { type: 'enabled', budget_tokens: 2048 }, max_tokens: 2048 }, /`max_tokens` must be greater than `thinking.budget_tokens`/],
    ['thinking with a forced tool', { thinking: { type: 'enabled', budget_tokens: 1024 }, max_tokens: 4096, tool_choice: { type: 'any' } }, /tool_choice forces tool use/],
  ];
  for (const [name, overrides, error] of refusals) {
    it(`refuses ${name}`, () => {
      assert.match(check(body(overrides)) ?? 'accepted', error);
    });
  }

  it('refuses a thinking block that was changed, and a tool-use cycle that drops its thinking (with thinking on)', () => {
    const ledger = { signatures: new Map([['sig', 'the thought']]), toolUses: new Set(['toolu_1']) };
    const withThinking = (thinking: string | null): Json => body({
      thinking: { type: 'enabled', budget_tokens: 1024 }, max_tokens: 4096,
      messages: [
        { role: 'user', content: 'x' },
        { role: 'assistant', content: [...(thinking === null ? [] : [{ type: 'thinking', thinking, signature: 'sig' }]), { type: 'tool_use', id: 'toolu_1', name: 'read_file', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'y' }] },
      ],
    });
    assert.equal(checkThinkingBlocks(withThinking('the thought'), ledger), null);
    assert.match(checkThinkingBlocks(withThinking('an edited thought'), ledger) ?? '', /Invalid `signature`/);
    assert.match(checkThinkingBlocks(withThinking(null), ledger) ?? '', /must start with a thinking block/);
  });

  it('knows the documented minimum cacheable length per model', () => {
    assert.equal(minCacheableTokens('claude-sonnet-4-5'), 1024);
    assert.equal(minCacheableTokens('claude-sonnet-4-6'), 1024);
    assert.equal(minCacheableTokens('claude-opus-4-1'), 1024);
    assert.equal(minCacheableTokens('claude-opus-4-5'), 4096);
    assert.equal(minCacheableTokens('claude-haiku-4-5'), 4096);
    assert.equal(minCacheableTokens('claude-3-5-haiku-latest'), 2048);
    assert.equal(minCacheableTokens('claude-3-haiku-20240307'), 2048);
  });
});

describe('the provider request under the rules', () => {
  const base: LlmRequest = {
    model: 'claude-sonnet-4-5',
    session: '1',
    system: 'You are careful.',
    tools: [{ name: 'read_file', description: 'Read', inputSchema: { properties: { path: { type: 'string' } } } }],
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Read a.txt' }] }],
    maxTokens: 1024,
    cache: { system: true, messages: [0] },
  };

  it('+thinking turns thinking on with a budget under max_tokens, and the rules accept it', () => {
    assert.deepEqual(parseThinkingModel('claude-sonnet-4-5+thinking'), { model: 'claude-sonnet-4-5', thinkingBudget: 4096 });
    assert.deepEqual(parseThinkingModel('claude-sonnet-4-5'), { model: 'claude-sonnet-4-5', thinkingBudget: null });
    const params = toApiParams({ ...base, model: 'claude-sonnet-4-5+thinking=2000' }, 1024) as unknown as Json;
    assert.deepEqual(params['thinking'], { type: 'enabled', budget_tokens: 2000 });
    assert.equal(params['model'], 'claude-sonnet-4-5');
    assert.equal(check(params), null);
    assert.throws(() => parseThinkingModel('claude-sonnet-4-5+thinking=100'), /at least 1024/);
  });
});

describe('ScriptedProvider in strict mode (the default)', () => {
  const script = { turns: [{ text: 'ok' }] };

  it('answers a request the API would accept', async () => {
    const r = await new ScriptedProvider(script).call(base());
    assert.equal(r.scripted, true);
  });

  const bad: Array<[string, Partial<LlmRequest>, RegExp]> = [
    ['the first message is the assistant\'s', { messages: [{ role: 'assistant', content: [{ type: 'text', text: 'hi' }] }] }, /first message/],
    ['text before a tool result', {
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'x' }] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'read_file', input: {} }] },
        { role: 'user', content: [{ type: 'text', text: 'note' }, { type: 'tool_result', toolUseId: 't1', content: 'y', isError: false }] },
      ],
    }, /must come first/],
    ['max tokens 0', { maxTokens: 0 }, /max_tokens/],
    ['a bad tool name', { tools: [{ name: 'read file', description: 'x', inputSchema: {} }] }, /String should match pattern/],
    ['a bad input schema', { tools: [{ name: 'read_file', description: 'x', inputSchema: { properties: { p: { type: 42 } } } }] }, /JSON schema is invalid/],
  ];
  for (const [name, overrides, error] of bad) {
    it(`refuses ${name}, as the API would with a 400`, async () => {
      const e = await new ScriptedProvider(script).call(base(overrides)).then(() => null, (x: unknown) => x as Error);
      assert.ok(e instanceof ScriptedRequestRejectedError, String(e));
      assert.match(e.message, /^400 invalid_request_error \(scripted model, strict Messages API rules\)/);
      assert.match(e.message, error);
    });
  }

  it('can be turned off for a script that is meant to be sloppy', async () => {
    const r = await new ScriptedProvider(script, { strict: false }).call(base({ maxTokens: 0 }));
    assert.equal(r.content[0]!.type, 'text');
  });

  function base(overrides: Partial<LlmRequest> = {}): LlmRequest {
    return {
      model: 'scripted:demo.json', session: 's', system: 'sys', tools: [],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], maxTokens: 100, cache: { system: true, messages: [] }, ...overrides,
    };
  }
});
