/**
 * Child process of the hostile-input test: `node --import tsx hostileToolRunner.ts WORKSPACE`.
 * Runs model-style tool calls that would freeze a backtracking regex engine or blow the stack,
 * through the real registry and workspace tools, while a timer counts event-loop turns. Prints
 * one JSON line per call: {name, ok, content, ticks}. A frozen event loop never prints: the test's
 * deadline kills it.
 */
import { writeSync } from 'node:fs';
import { ToolRegistry } from '../../src/tools/registry';
import { createWorkspaceTools } from '../../src/tools/workspace';
import type { ToolContext } from '../../src/kernel/ports/tools';

const [root] = process.argv.slice(2);
const registry = new ToolRegistry();
for (const t of createWorkspaceTools({ root })) registry.register(t);
const context: ToolContext = { pid: 1, agentName: 'hostile', signal: new AbortController().signal, proposeChanges: async () => ({ approved: [] }) };

let deep: unknown = {};
for (let i = 0; i < 100_000; i++) deep = { a: deep };

const calls: Array<{ name: string; tool: string; input: unknown }> = [
  { name: 'nested quantifier', tool: 'search_text', input: { query: '(a+)+$', regex: true } },
  { name: 'alternation', tool: 'search_text', input: { query: '(a|aa)+$', regex: true } },
  { name: 'star of star', tool: 'search_text', input: { query: '(a*)*b', regex: true } },
  { name: 'repeated group', tool: 'search_text', input: { query: '(.*a){25}!x', regex: true } },
  { name: 'backreference', tool: 'search_text', input: { query: '(a)\\1', regex: true } },
  { name: 'deep json', tool: 'search_text', input: deep },
];

async function main(): Promise<void> {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  for (const c of calls) {
    const before = ticks;
    const v = registry.validate(c.tool, c.input);
    let ok = false;
    let content: string;
    if (!v.ok) {
      content = v.error;
    } else {
      try {
        const prepared = await v.tool.prepare(v.input, context);
        const out = await prepared.run();
        ok = !out.isError;
        content = out.content;
      } catch (err) {
        content = (err as Error).message;
      }
    }
    writeSync(1, `${JSON.stringify({ name: c.name, ok, content: content.slice(0, 400), ticks: ticks - before })}\n`);
  }
  clearInterval(timer);
}

void main();
