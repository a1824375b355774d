import assert from 'node:assert/strict';
import { FileLeases, LeaseConflictError, withFileLeases, type LeaseHolder } from '../../src/leases/leases';
import type { Tool, ToolContext, ToolOutcome } from '../../src/kernel/ports/tools';
import { settle } from '../support/waits';

function context(pid: number): ToolContext {
  return { pid, agentName: `agent-${pid}`, signal: new AbortController().signal, proposeChanges: async () => ({ approved: [] }) };
}

/** A write tool whose run spans `turns` turns of the event loop (others can run meanwhile) and records when it wrote each path. */
function slowWriter(log: string[], turns: number): Tool {
  return {
    name: 'write_file', description: 'w', inputSchema: { type: 'object' }, risk: 'medium', capabilities: ['fs.write'],
    async prepare(input, ctx) {
      const { path } = input as { path: string };
      return {
        subject: { kind: 'edit', summary: `write ${path}`, files: [{ path, status: 'modified', diff: '', before: '', after: '' }] },
        async run(): Promise<ToolOutcome> {
          log.push(`start ${ctx.pid} ${path}`);
          for (let t = 0; t < turns; t++) await settle();
          log.push(`end ${ctx.pid} ${path}`);
          return { content: 'ok', isError: false };
        },
      };
    },
  };
}

describe('FileLeases', () => {
  it('gives a free file to the first writer, re-entrantly, and frees it on the last release', async () => {
    const leases = new FileLeases();
    const a = await leases.acquire(1, 'src/a.ts');
    const again = await leases.acquire(1, './src/a.ts');
    assert.equal(leases.holder('src/a.ts')?.pid, 1);
    a.release();
    assert.equal(leases.holder('src/a.ts')?.pid, 1, 'still held by the inner acquire');
    again.release();
    again.release();
    assert.equal(leases.holder('src/a.ts'), undefined);
  });

  it('makes a second writer wait in line and hands the lease over on release', async () => {
    const leases = new FileLeases({ waitMs: 1000 });
    const first = await leases.acquire(1, 'a.ts');
    const order: string[] = [];
    const second = leases.acquire(2, 'a.ts').then((l) => { order.push('2 got it'); return l; });
    const third = leases.acquire(3, 'a.ts').then((l) => { order.push('3 got it'); return l; });
    assert.equal(leases.tryAcquire(4, 'a.ts'), null);
    await settle();
    assert.deepEqual(order, [], 'nobody gets a held lease');
    first.release();
    (await second).release();
    (await third).release();
    assert.deepEqual(order, ['2 got it', '3 got it']);
    assert.equal(leases.tryAcquire(4, 'a.ts')?.pid, 4, 'a newcomer gets it once the line is empty');
  });

  it('gives up after the bounded wait with a conflict that names the holder', async () => {
    const conflicts: Array<[number, LeaseHolder, number]> = [];
    let now = 10_000;
    const leases = new FileLeases({
      clock: { now: () => now }, waitMs: 30, describe: (pid) => `agent ${pid} (coder-${pid})`,
      onConflict: (pid, holder, waited) => conflicts.push([pid, holder, waited]),
    });
    await leases.acquire(7, 'docs/guide.md', { purpose: 'edit_file' });
    now += 2500;
    await assert.rejects(leases.acquire(8, 'docs/guide.md'), (err: unknown) => {
      assert.ok(err instanceof LeaseConflictError);
      assert.equal(err.holder.pid, 7);
      assert.match(err.message, /^docs\/guide\.md is being written by agent 7 \(coder-7\) \(edit_file, holding it for 2\.5 s\)\. Try again later, or work on another file\.$/);
      return true;
    });
    assert.equal(conflicts.length, 1);
    assert.deepEqual([conflicts[0][0], conflicts[0][1].pid], [8, 7]);
    await assert.rejects(leases.acquire(8, 'docs/guide.md', { waitMs: 0 }), LeaseConflictError);
  });

  it('releases everything of an agent that ended, handing leases to waiters', async () => {
    const leases = new FileLeases({ waitMs: 1000 });
    await leases.acquire(1, 'a');
    await leases.acquire(1, 'b');
    const waiting = leases.acquire(2, 'b');
    assert.equal(leases.releaseAll(1), 2);
    assert.equal((await waiting).pid, 2);
    assert.deepEqual(leases.list().map((h) => [h.path, h.pid]), [['b', 2]]);
  });

  it('stops waiting when the agent is aborted (killed)', async () => {
    const leases = new FileLeases({ waitMs: 10_000 });
    await leases.acquire(1, 'a');
    const controller = new AbortController();
    const waiting = leases.acquire(2, 'a', { signal: controller.signal });
    controller.abort();
    await assert.rejects(waiting, LeaseConflictError);
  });
});

describe('withFileLeases', () => {
  it('never lets two agents write the same file at once; different files run in parallel', async () => {
    const leases = new FileLeases({ waitMs: 2000 });
    const log: string[] = [];
    const tool = withFileLeases(slowWriter(log, 40), leases);
    const runs = await Promise.all([
      tool.prepare({ path: 'same.ts' }, context(1)).then((p) => p.run()),
      tool.prepare({ path: 'same.ts' }, context(2)).then((p) => p.run()),
      tool.prepare({ path: 'other.ts' }, context(3)).then((p) => p.run()),
    ]);
    assert.ok(runs.every((r) => !r.isError));
    const same = log.filter((l) => l.endsWith('same.ts'));
    assert.deepEqual(same.map((l) => l.split(' ')[0]), ['start', 'end', 'start', 'end'], `writes of same.ts interleaved: ${log.join(', ')}`);
    assert.ok(log.indexOf('start 3 other.ts') < log.indexOf('end 1 same.ts'), 'other.ts did not wait for same.ts');
    assert.deepEqual(leases.written(1), ['same.ts']);
    assert.equal(leases.list().length, 0, 'every lease was released');
  });

  it('turns a conflict into an error result for the model, naming the holder', async () => {
    const leases = new FileLeases({ waitMs: 20, describe: (pid) => `agent ${pid} (writer-${pid})` });
    const held = await leases.acquire(5, 'README.md', { purpose: 'edit_file' });
    const log: string[] = [];
    const out = await withFileLeases(slowWriter(log, 1), leases).prepare({ path: 'README.md' }, context(6)).then((p) => p.run());
    assert.equal(out.isError, true);
    assert.match(out.content, /README\.md is being written by agent 5 \(writer-5\) \(edit_file, holding it for .* s\); waited .* s for it\. Try again later, or work on another file\./);
    assert.deepEqual(log, [], 'the write did not happen');
    held.release();
  });
});
