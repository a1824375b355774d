import assert from 'node:assert/strict';
import type { Tool } from '../../src/kernel/ports/tools';
import { ToolRegistry } from '../../src/tools/registry';

function fakeTool(name: string, inputSchema: Record<string, unknown> = readSchema): Tool {
  return {
    name,
    description: `${name} for tests`,
    inputSchema,
    risk: 'low',
    capabilities: ['fs.read'],
    prepare: async (input) => ({ subject: { kind: 'tool', summary: name, input }, run: async () => ({ content: 'ok', isError: false }) }),
  };
}

const readSchema = {
  type: 'object',
  properties: {
    path: { type: 'string' },
    start_line: { type: 'integer', minimum: 1 },
    mode: { enum: ['text', 'hex'] },
    ranges: { type: 'array', items: { type: 'object', properties: { from: { type: 'integer' } }, required: ['from'] } },
  },
  required: ['path'],
  additionalProperties: false,
};

describe('ToolRegistry', () => {
  it('returns the tool and the input when the input is valid', () => {
    const registry = new ToolRegistry();
    const tool = fakeTool('read_file');
    registry.register(tool);
    const input = { path: 'src/a.ts', start_line: 3 };
    assert.deepEqual(registry.validate('read_file', input), { ok: true, tool, input });
  });

  it('explains every problem with the input in words a model can act on', () => {
    const registry = new ToolRegistry();
    registry.register(fakeTool('read_file'));
    const result = registry.validate('read_file', { path: 7, paht: 'x', start_line: 0 });
    assert.equal(result.ok, false);
    assert.equal(
      !result.ok && result.error,
      'invalid input for read_file: input: unknown property \'paht\' (allowed: path, start_line, mode, ranges); ' +
        'input.path: must be string (got integer); input.start_line: must be >= 1',
    );
  });

  it('names missing properties, enum values and nested array positions', () => {
    const registry = new ToolRegistry();
    registry.register(fakeTool('read_file'));
    const result = registry.validate('read_file', { mode: 'octal', ranges: [{ from: 1 }, {}] });
    assert.ok(!result.ok);
    assert.match(result.error, /input: missing required property 'path'/);
    assert.match(result.error, /input\.mode: must be one of "text", "hex"/);
    assert.match(result.error, /input\.ranges\[1\]: missing required property 'from'/);
  });

  it('rejects input that is not an object at all', () => {
    const registry = new ToolRegistry();
    registry.register(fakeTool('read_file'));
    const result = registry.validate('read_file', null);
    assert.ok(!result.ok);
    assert.match(result.error, /input: must be object \(got null\)/);
  });

  it('names the available tools when the tool is unknown', () => {
    const registry = new ToolRegistry();
    registry.register(fakeTool('read_file'));
    registry.register(fakeTool('list_dir'));
    const result = registry.validate('read_fil', {});
    assert.deepEqual(result, { ok: false, error: "unknown tool 'read_fil'; available tools: list_dir, read_file" });
  });

  it('refuses a second tool with the same name', () => {
    const registry = new ToolRegistry();
    registry.register(fakeTool('read_file'));
    assert.throws(() => registry.register(fakeTool('read_file')), /'read_file'.*already registered/);
  });

  it('refuses a schema that does not compile, at registration', () => {
    const registry = new ToolRegistry();
    const typo = { type: 'object', properties: { path: { type: 'string' } }, require: ['path'] };
    assert.throws(() => registry.register(fakeTool('bad', typo)), /cannot register tool 'bad': its input schema does not compile: .*require/);
    const wrongType = { type: 'object', properties: { path: { type: 'strng' } } };
    assert.throws(() => registry.register(fakeTool('bad', wrongType)), /does not compile/);
    assert.equal(registry.get('bad'), undefined);
  });

  it('refuses schemas that are not objects and names an LLM API would reject', () => {
    const registry = new ToolRegistry();
    assert.throws(() => registry.register(fakeTool('arr', { type: 'array' })), /must have type 'object'/);
    assert.throws(() => registry.register(fakeTool('read file')), /names must be/);
  });

  it('removes a tool when its registration is disposed, so the name can be registered again', () => {
    const registry = new ToolRegistry();
    const withId = { ...readSchema, $id: 'https://aios.dev/tools/read_file' };
    const registration = registry.register(fakeTool('read_file', withId));
    registration.dispose();
    assert.equal(registry.get('read_file'), undefined);
    assert.ok(!registry.validate('read_file', { path: 'a' }).ok);
    const again = fakeTool('read_file', withId);
    registry.register(again);
    assert.equal(registry.get('read_file'), again);
    registration.dispose(); // a stale disposable must not remove the new registration
    assert.equal(registry.get('read_file'), again);
  });

  it('lists the declarations sorted by name', () => {
    const registry = new ToolRegistry();
    registry.register(fakeTool('write_file'));
    registry.register(fakeTool('list_dir'));
    const specs = registry.list();
    assert.deepEqual(specs.map((s) => s.name), ['list_dir', 'write_file']);
    assert.deepEqual(Object.keys(specs[0]).sort(), ['capabilities', 'description', 'inputSchema', 'name', 'risk']);
  });
});
