/**
 * Crash-consistent steps (issue 11, finding 3): a kernel process killed with SIGKILL while an
 * approval is pending leaves no usage without its step, and the restored agent repeats the
 * uncommitted step, so the file it was about to write is proposed again.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Script } from '../../src/llm/scriptFile';
import { checkDatabase, recordCommitted, runRunner, type Committed } from '../support/crashInvariants';
import { tempDir } from '../support/storageFixtures';

export const EDIT_SCRIPT: Script = {
  turns: [
    { text: 'Reading the file.', tool_calls: [{ name: 'read_file', input: { path: 'greet.ts' } }], usage: { input_tokens: 500, output_tokens: 40 } },
    { text: 'Fixing the typo.', tool_calls: [{ name: 'edit_file', input: { path: 'greet.ts', old_text: '"helo"', new_text: '"hello"' } }], usage: { input_tokens: 700, output_tokens: 60 } },
    { text: 'Fixed the greeting typo.', usage: { input_tokens: 900, output_tokens: 20 } },
  ],
};

describe('crash-consistent steps (real kernel process, SIGKILL, real SQLite)', function () {
  this.timeout(60_000);
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir('aios-crash-')));
  afterEach(() => tmp.remove());

  it('a kill during a pending approval records no usage without its step, and the restored agent proposes the edit again', async () => {
    const ws = tmp.file('ws');
    mkdirSync(ws);
    writeFileSync(join(ws, 'greet.ts'), 'export const greeting = "helo";\n');
    const script = tmp.file('script.json');
    writeFileSync(script, JSON.stringify(EDIT_SCRIPT));
    const db = tmp.file('aios.db');
    const committed: Committed = new Map();

    const first = await runRunner([db, ws, script, '1', 'never'], (line) => line === 'ASK 1 edit_file');
    assert.ok(first.killed, `killed while the edit waited for approval: ${first.lines.join(' | ')}`);
    recordCommitted(committed, first.lines);
    assert.deepEqual(checkDatabase(db, committed), []);

    const second = await runRunner([db, ws, script, '1', 'approve'], () => false);
    assert.ok(second.lines.includes('ASK 1 edit_file'), `the edit was proposed again after the restart: ${second.lines.join(' | ')}`);
    assert.ok(second.lines.includes('DONE'));
    recordCommitted(committed, second.lines);
    assert.deepEqual(checkDatabase(db, committed), []);
    assert.equal(readFileSync(join(ws, 'greet.ts'), 'utf8'), 'export const greeting = "hello";\n');
    assert.deepEqual([...committed.get(1)!].sort(), [1, 2, 3], 'three steps, each once');
  });
});
