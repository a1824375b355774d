import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { defineTool, MAX_INPUT_DEPTH } from '../../src/kernel/ports/toolInput';
import { ToolInputError, type Tool, type ToolContext } from '../../src/kernel/ports/tools';
import { toApiParams } from '../../src/llm/anthropicRequest';
import { MessagesRules } from '../../src/llm/messagesRules';
import { toChatParams } from '../../src/llm/openaiRequest';
import { ToolRegistry } from '../../src/tools/registry';
import { builtInTools } from '../support/builtInTools';
import { validateChatBody } from '../support/openaiValidation';

/** The hand-written schemas (and descriptions) the tools had before they were written in zod, captured once. */
const before = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'toolSchemas.before.json'), 'utf8')) as Record<string, { description: string; inputSchema: Record<string, unknown> }>;

const context: ToolContext = { pid: 1, agentName: 'agent1', signal: new AbortController().signal, proposeChanges: async () => ({ approved: [] }) };

/** The ToolInputError message of a prepare that must refuse its input. */
async function refusal(tool: Tool, input: unknown): Promise<string> {
  const err = await tool.prepare(input, context).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof ToolInputError, `expected ${tool.name} to refuse its input, got ${String(err)}`);
  return err.message;
}

describe('tool inputs written once (zod)', () => {
  const tools = builtInTools(tmpdir());

  it('every built-in tool is here, and so is every hand-written schema it replaced', () => {
    assert.deepEqual(tools.map((t) => t.name).sort(), Object.keys(before).sort());
  });

  for (const name of Object.keys(before)) {
    it(`${name}: the generated JSON Schema says what the hand-written one said`, () => {
      const tool = tools.find((t) => t.name === name)!;
      const expected = structuredClone(before[name].inputSchema);
      // The one conscious difference: the enum of on_failure now also says it is a string.
      if (name === 'plan') ((expected.properties as Record<string, Record<string, unknown>>).on_failure).type = 'string';
      assert.deepEqual(tool.inputSchema, expected);
      assert.equal(tool.description, before[name].description);
      assert.equal(tool.inputSchema.type, 'object');
      assert.equal('$schema' in tool.inputSchema, false, 'no $schema: the schema is sent to APIs that read it as draft 2020-12');
    });
  }

  it('the generated schemas are what the Anthropic and OpenAI APIs accept (their local stand-ins reject what the services reject)', () => {
    const request = {
      model: 'claude-sonnet-4-5', session: '1', turn: 0, system: 'test', maxTokens: 100,
      messages: [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'hi' }] }],
      tools: tools.map((t) => ({ name: t.name, description: t.description, inputSchema: t.inputSchema })),
      cache: { system: false, messages: [] },
    };
    assert.equal(new MessagesRules().check(toApiParams(request as never, 100) as never), null);
    assert.equal(validateChatBody(toChatParams(request as never, 'gpt-4.1', 100, 'max_completion_tokens') as never), null);
  });

  it('a bad input gets one message naming the field, what was expected and what came (registry and prepare alike)', async () => {
    const registry = new ToolRegistry();
    for (const tool of tools) registry.register(tool);
    const cases: Array<[string, unknown, RegExp]> = [
      ['read_file', { path: 3 }, /^invalid input for read_file: input\.path: must be string \(got integer\)$/],
      ['read_file', { path: 'a', start_line: 0 }, /^invalid input for read_file: input\.start_line: must be >= 1$/],
      ['read_file', { path: 'a', strat_line: 2 }, /^invalid input for read_file: input: unknown property 'strat_line' \(allowed: path, start_line, end_line\)$/],
      ['list_dir', { depth: 11 }, /input\.depth: must be <= 10/],
      ['search_text', {}, /^invalid input for search_text: input: missing required property 'query'$/],
      ['search_text', { query: 'x'.repeat(1001) }, /input\.query: must NOT have more than 1000 characters/],
      ['write_file', { path: 'a' }, /missing required property 'content'/],
      ['edit_file', { path: 'a', old_text: '', new_text: 'b' }, /input\.old_text: must NOT have fewer than 1 characters/],
      ['remember', { fact: 'f', tags: ['ok', ''] }, /input\.tags\[1\]: must NOT have fewer than 1 characters/],
      ['recall', { page: 1.5 }, /input\.page: must be integer \(got number\)/],
      ['plan', { subtasks: [{ id: 'a', role: 'coder', task: 't', depends_on: ['b', 'b'] }] }, /input\.subtasks\[0\]\.depends_on: must NOT have duplicate items/],
      ['plan', { subtasks: [{ id: 'a', role: 'coder', task: 't' }], on_failure: 'ignore' }, /input\.on_failure: must be one of "retry", "skip_dependents", "fail_parent"/],
      ['plan', { subtasks: Array.from({ length: 9 }, (_, i) => ({ id: `s${i}`, role: 'coder', task: 't' })) }, /input\.subtasks: must NOT have more than 8 items/],
      ['report_result', { summary: 'done' }, /missing required property 'success'/],
      ['ask_developer', { question: 'x'.repeat(4001) }, /input\.question: must NOT have more than 4000 characters/],
      ['run_command', { command: 5 }, /input\.command: must be string \(got integer\); input\.command: must be array \(got integer\)/],
      ['run_command', { command: 'ls', timeout_ms: 5001 }, /input\.timeout_ms: must be <= 5000/],
      ['run_command', null, /^invalid input for run_command: input: must be object \(got null\)$/],
    ];
    for (const [name, input, expected] of cases) {
      const validation = registry.validate(name, input);
      assert.ok(!validation.ok, `${name} ${JSON.stringify(input)} passed the registry`);
      assert.match(validation.error, expected);
      assert.equal(await refusal(registry.get(name)!, input), validation.error, 'prepare refuses with the same message');
    }
  });

  it('input nested deeper than any schema needs is refused with a clear message, also when prepare is called directly', async () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 10_000; i++) deep = { a: deep };
    for (const tool of tools) {
      assert.equal(await refusal(tool, { nested: deep }), `invalid input for ${tool.name}: nested more than ${MAX_INPUT_DEPTH} levels deep; send a flat JSON object as the schema describes`);
    }
  });

  it('prepare receives the parsed, typed input', async () => {
    let seen: { n: number; tags?: string[] } | undefined;
    const tool = defineTool({
      name: 'typed', description: 'd', risk: 'low', capabilities: [],
      input: z.strictObject({ n: z.int().min(1), tags: z.array(z.string()).optional() }),
      async prepare(input) {
        seen = input;
        return { subject: { kind: 'tool', summary: `n=${input.n + 1}`, input }, run: async () => ({ content: 'ok', isError: false }) };
      },
    });
    assert.equal((await tool.prepare({ n: 2 }, context)).subject.summary, 'n=3');
    assert.deepEqual(seen, { n: 2 });
    assert.match(await refusal(tool, { n: '2' }), /input\.n: must be integer \(got string\)/);
  });

  it('refuses to define a tool whose input is not an object', () => {
    assert.throws(
      () => defineTool({ name: 'bad', description: 'd', risk: 'low', capabilities: [], input: z.string(), prepare: async () => { throw new Error('unreachable'); } }),
      /a tool's input must be an object schema/,
    );
  });
});
