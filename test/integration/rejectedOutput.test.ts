/**
 * Rejected output does not amplify the database (issue 11, finding 10): a model answer carrying a
 * 15 MB tool input that fails its schema is stored truncated, with its size, in a real database.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { KernelSession } from '../../src/session/kernelSession';
import { tempDir } from '../support/storageFixtures';

const MB = 1024 * 1024;

function bytesOnDisk(db: string): number {
  return [db, `${db}-wal`].filter(existsSync).reduce((n, f) => n + statSync(f).size, 0);
}

describe('rejected output is stored truncated (real SQLite, scripted model)', function () {
  this.timeout(120_000);
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir('aios-rejected-')));
  afterEach(() => tmp.remove());

  it('keeps a 15 MB rejected tool input as its size and first characters, not 30 MB of pages and index', async () => {
    const ws = tmp.file('ws');
    mkdirSync(ws);
    const huge = 'a'.repeat(15 * MB);
    const script = tmp.file('script.json');
    writeFileSync(script, JSON.stringify({
      turns: [
        { text: 'Writing.', tool_calls: [{ name: 'write_file', input: { path: 'big.txt', content: huge, mode: 'overwrite-everything' } }] },
        { text: 'Gave up.' },
      ],
    }));
    const db = tmp.file('aios.db');
    const session = KernelSession.open({ dbPath: db, workspace: ws, approvals: { ask: async () => ({ decision: 'deny', reason: null }) }, sandbox: false, controlPollMs: 0, safety: { heartbeat: false, loopIntervalMs: 0 } });
    let pid: number;
    try {
      pid = session.kernel.spawn({ task: 'write a big file', model: `scripted:${script}` }).pid;
      await session.runtime.idle();
      const pages = session.store.listPages(pid);
      const assistant = pages.find((p) => p.content.includes('rejected_input'));
      assert.ok(assistant, 'the rejected input is on record');
      assert.match(assistant.content, new RegExp(`"chars":${JSON.stringify({ path: 'big.txt', content: huge, mode: 'overwrite-everything' }).length}`));
      assert.ok(pages.every((p) => p.content.length < MB), `pages: ${pages.map((p) => p.content.length).join(', ')}`);
      assert.match(pages.map((p) => p.text).join('\n'), /invalid input for write_file/);
    } finally {
      await session.close();
    }
    assert.ok(bytesOnDisk(db) < 3 * MB, `database is ${(bytesOnDisk(db) / MB).toFixed(1)} MB after 15 MB of rejected output`);
  });
});
