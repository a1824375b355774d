/**
 * Attacks on "what the developer approves is exactly what lands" on the real file system:
 * staged files swapped after the diff was built (symlinks to host files, hard links, renames,
 * fifos, devices), hostile file types in the staging layer, huge files, directories replaced by
 * files, and the file tools raced by a symlink swapper running in another process.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, linkSync, lstatSync, mkdirSync, openSync, closeSync, constants, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import type { ToolContext } from '../../src/kernel/ports/tools';
import { applyApproved, takeBaseline } from '../../src/sandbox/changeApply';
import { buildChangeSet } from '../../src/sandbox/changeSet';
import type { StagedEntry } from '../../src/sandbox/staging';
import { createWorkspaceTools } from '../../src/tools/workspace';
import { makeWorkspace } from '../support/docker';

const tick = () => new Promise((resolve) => setTimeout(resolve, 15));
const file = (upper: string, path: string): StagedEntry => ({ path, staged: 'file', stagedPath: join(upper, path) });

/** Resolves with `work` or rejects when it takes longer than `ms` (a hang is a failure, not a stuck suite). */
function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms); });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

describe('approval integrity: a change set lands byte for byte as shown', function () {
  this.timeout(30_000);
  let ws: ReturnType<typeof makeWorkspace>;
  let upper: ReturnType<typeof makeWorkspace>;
  let host: ReturnType<typeof makeWorkspace>;
  const secret = 'HOST SECRET: must never reach the workspace\n';

  beforeEach(async () => {
    ws = makeWorkspace({ 'keep.txt': 'keep\n', 'd/a.txt': 'a\n', 'd/b.txt': 'b\n' });
    upper = makeWorkspace({ 'a.txt': 'harmless\n', 'b.txt': 'also harmless\n' });
    host = makeWorkspace({ 'secret.txt': secret, 'dir/inner.txt': secret });
    await tick();
  });
  afterEach(() => {
    ws.remove();
    upper.remove();
    host.remove();
  });

  /** Every way a process could replace a staged file after the diff was built. */
  const swaps: { name: string; swap: (path: string) => void }[] = [
    { name: 'absolute symlink to a host file', swap: (p) => { rmSync(p); symlinkSync(join(host.dir, 'secret.txt'), p); } },
    { name: 'relative symlink climbing out', swap: (p) => { rmSync(p); symlinkSync(`../../../../../../../../..${join(host.dir, 'secret.txt')}`, p); } },
    { name: 'symlink to /etc/shadow', swap: (p) => { rmSync(p); symlinkSync('/etc/shadow', p); } },
    { name: 'symlink to a host directory', swap: (p) => { rmSync(p); symlinkSync(join(host.dir, 'dir'), p); } },
    { name: 'dangling symlink', swap: (p) => { rmSync(p); symlinkSync(join(host.dir, 'missing'), p); } },
    { name: 'hard link to a host file', swap: (p) => { rmSync(p); linkSync(join(host.dir, 'secret.txt'), p); } },
    { name: 'rename of another file over it', swap: (p) => { writeFileSync(`${p}.x`, secret); renameSync(`${p}.x`, p); } },
    { name: 'rewritten in place', swap: (p) => writeFileSync(p, secret) },
    { name: 'fifo', swap: (p) => { rmSync(p); execFileSync('mkfifo', [p]); } },
    { name: 'parent directory swapped for a symlink', swap: (p) => { const dir = join(p, '..'); renameSync(dir, `${dir}.old`); symlinkSync(join(host.dir, 'dir'), dir); } },
  ];

  for (const { name, swap } of swaps) {
    it(`staged file replaced after the diff (${name}): nothing but the shown bytes lands, the swap is reported`, async () => {
      mkdirSync(join(upper.dir, 'sub'));
      writeFileSync(join(upper.dir, 'sub/inner.txt'), 'harmless\n');
      const baseline = takeBaseline();
      const changes = await buildChangeSet(ws.dir, [file(upper.dir, 'a.txt'), file(upper.dir, 'sub/inner.txt')]);
      assert.deepEqual(changes.map((c) => [c.path, c.status]), [['a.txt', 'added'], ['sub/inner.txt', 'added']]);
      swap(name.startsWith('parent') ? join(upper.dir, 'sub/inner.txt') : join(upper.dir, 'a.txt'));
      const result = await within(5000, 'applying', applyApproved(ws.dir, changes, baseline));
      for (const path of ['a.txt', 'sub/inner.txt']) {
        const real = join(ws.dir, path);
        if (!existsSync(real)) continue;
        assert.ok(lstatSync(real).isFile(), `${path} landed as something other than a regular file`);
        assert.equal(readFileSync(real, 'utf8'), 'harmless\n', `${path} holds other bytes than were shown`);
      }
      const landed = result.applied.length === 2;
      assert.ok(landed || result.conflicts.length > 0, 'neither applied nor reported');
      if (!landed) assert.equal(result.applied.length, 0, 'half a change set was applied');
    });
  }

  it('staged symlinks leading outside the workspace are shown and refused; inside ones are applied as links', async () => {
    symlinkSync(join(host.dir, 'secret.txt'), join(upper.dir, 'abs'));
    symlinkSync('../../../../../../../../etc/shadow', join(upper.dir, 'rel'));
    symlinkSync('/etc', join(upper.dir, 'todir'));
    symlinkSync(join(host.dir, 'nope'), join(upper.dir, 'dangling'));
    symlinkSync('keep.txt', join(upper.dir, 'inside'));
    const baseline = takeBaseline();
    const entries: StagedEntry[] = ['abs', 'dangling', 'inside', 'rel', 'todir'].map((p) => ({ path: p, staged: 'symlink', stagedPath: join(upper.dir, p) }));
    const changes = await buildChangeSet(ws.dir, entries);
    for (const c of changes.filter((x) => x.path !== 'inside')) assert.match(c.diff, /outside the workspace.*not applied|refused/i, c.diff);
    const result = await applyApproved(ws.dir, changes, baseline);
    assert.deepEqual(result.applied, [], 'nothing applies while part of the set is refused');
    assert.deepEqual(result.conflicts.map((c) => c.path).sort(), ['abs', 'dangling', 'rel', 'todir']);
    for (const p of ['abs', 'rel', 'todir', 'dangling', 'inside']) assert.equal(existsSync(join(ws.dir, p)) || isLink(join(ws.dir, p)), false, p);
    // Without the refused ones, the inside link lands as a link (not as a copy of its target).
    const ok = await applyApproved(ws.dir, changes.filter((c) => c.path === 'inside'), baseline);
    assert.deepEqual(ok.applied, ['inside']);
    assert.equal(readlinkSync(join(ws.dir, 'inside')), 'keep.txt');
  });

  it('a fifo, a socket and a device in the staging layer are shown as what they are, never opened or applied (no hang)', async () => {
    execFileSync('mkfifo', [join(upper.dir, 'pipe')]);
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(join(upper.dir, 'sock'), resolve));
    let device = false;
    try {
      execFileSync('mknod', [join(upper.dir, 'null'), 'c', '1', '3']);
      device = true;
    } catch {
      // not root: fifo and socket still cover the class
    }
    try {
      const names = ['pipe', 'sock', ...(device ? ['null'] : [])];
      const changes = await within(5000, 'collecting changes', buildChangeSet(ws.dir, names.map((p) => file(upper.dir, p))));
      assert.deepEqual(changes.map((c) => c.path).sort(), names.sort());
      for (const c of changes) assert.match(c.diff, /(fifo|socket|device).*not a regular file/i, c.diff);
      const result = await within(5000, 'applying', applyApproved(ws.dir, changes, takeBaseline()));
      assert.deepEqual(result.applied, []);
      for (const p of names) assert.equal(existsSync(join(ws.dir, p)), false, p);
    } finally {
      // Unblock a reader stuck on the fifo (old code), so the test process can exit.
      try { closeSync(openSync(join(upper.dir, 'pipe'), constants.O_WRONLY | constants.O_NONBLOCK)); } catch { /* no reader */ }
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('a huge (sparse, over 2 GiB) staged file is hashed, not loaded: shown as size, type and sha256', async function () {
    const big = join(upper.dir, 'big.bin');
    writeFileSync(big, '');
    truncateSync(big, Math.round(2.1 * 1024 ** 3));
    const changes = await buildChangeSet(ws.dir, [file(upper.dir, 'big.bin')], { quotaBytes: 4 * 1024 ** 3 });
    assert.equal(changes.length, 1);
    assert.match(changes[0].diff, /binary data, 2\.1 GiB/);
    assert.match(changes[0].diff, /sha256 [0-9a-f]{64}/);
    assert.equal(changes[0].after, null);
  });

  it('a file over the size limit is refused with a clear error instead of crashing later commands', async () => {
    const big = join(upper.dir, 'big.bin');
    writeFileSync(big, '');
    truncateSync(big, 3 * 1024 ** 3);
    await assert.rejects(buildChangeSet(ws.dir, [file(upper.dir, 'big.bin')], { quotaBytes: 1024 ** 3 }), /big\.bin is 3 GiB, over the staging quota of 1 GiB.*aios\.sandbox\.stagingQuotaMiB/);
  });

  it('binary and large files are shown as size, type and hash; a mode change (+x) is shown and applied', async () => {
    writeFileSync(join(ws.dir, 'run.sh'), 'echo hi\n');
    writeFileSync(join(upper.dir, 'run.sh'), 'echo hi\n');
    chmodSync(join(upper.dir, 'run.sh'), 0o755);
    writeFileSync(join(upper.dir, 'pic.png'), Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0]), Buffer.alloc(2 * 1024 * 1024, 7)]));
    const baseline = takeBaseline();
    const changes = await buildChangeSet(ws.dir, [file(upper.dir, 'pic.png'), file(upper.dir, 'run.sh')]);
    const pic = changes.find((c) => c.path === 'pic.png')!;
    assert.match(pic.diff, /^\+PNG image, 2 MiB \(2097158 bytes\), mode 100644, sha256 [0-9a-f]{64}$/m);
    const sh = changes.find((c) => c.path === 'run.sh')!;
    assert.ok(sh, 'a mode-only change is a change');
    assert.match(sh.diff, /old mode 100644\nnew mode 100755/);
    const result = await applyApproved(ws.dir, changes, baseline);
    assert.deepEqual(result.applied.sort(), ['pic.png', 'run.sh']);
    assert.equal(lstatSync(join(ws.dir, 'run.sh')).mode & 0o777, 0o755);
    assert.deepEqual(readFileSync(join(ws.dir, 'pic.png')), readFileSync(join(upper.dir, 'pic.png')));
  });

  it('a directory replaced by a file is applied whole, or not at all with the conflict reported', async () => {
    writeFileSync(join(upper.dir, 'd'), 'now a file\n');
    const entries: StagedEntry[] = [
      { path: 'd', staged: 'file', stagedPath: join(upper.dir, 'd') },
      { path: 'd/a.txt', staged: 'deleted', stagedPath: null },
      { path: 'd/b.txt', staged: 'deleted', stagedPath: null },
    ];
    const baseline = takeBaseline();
    const changes = await buildChangeSet(ws.dir, entries);
    const result = await applyApproved(ws.dir, changes, baseline);
    assert.deepEqual(result.conflicts, []);
    assert.deepEqual(result.applied.sort(), ['d', 'd/a.txt', 'd/b.txt']);
    assert.equal(readFileSync(join(ws.dir, 'd'), 'utf8'), 'now a file\n');
  });

  it('when the directory gained a file meanwhile, nothing of the set lands (no half state)', async () => {
    writeFileSync(join(upper.dir, 'd'), 'now a file\n');
    const entries: StagedEntry[] = [
      { path: 'd', staged: 'file', stagedPath: join(upper.dir, 'd') },
      { path: 'd/a.txt', staged: 'deleted', stagedPath: null },
      { path: 'd/b.txt', staged: 'deleted', stagedPath: null },
      file(upper.dir, 'a.txt'),
    ];
    const baseline = takeBaseline();
    const changes = await buildChangeSet(ws.dir, entries);
    writeFileSync(join(ws.dir, 'd/developer.txt'), 'mine\n');
    const result = await applyApproved(ws.dir, changes, baseline);
    assert.deepEqual(result.applied, []);
    assert.ok(result.conflicts.length >= 1);
    assert.equal(readFileSync(join(ws.dir, 'd/a.txt'), 'utf8'), 'a\n');
    assert.equal(readFileSync(join(ws.dir, 'd/b.txt'), 'utf8'), 'b\n');
    assert.equal(existsSync(join(ws.dir, 'a.txt')), false);
  });

  it('one conflicting file keeps the whole set out (all or nothing), and says which file and why', async () => {
    writeFileSync(join(upper.dir, 'keep.txt'), 'agent\n');
    const baseline = takeBaseline();
    const changes = await buildChangeSet(ws.dir, [file(upper.dir, 'a.txt'), file(upper.dir, 'keep.txt')]);
    await tick();
    writeFileSync(join(ws.dir, 'keep.txt'), 'developer\n');
    const result = await applyApproved(ws.dir, changes, baseline);
    assert.deepEqual(result.applied, []);
    assert.deepEqual(result.conflicts.map((c) => c.path), ['keep.txt']);
    assert.equal(existsSync(join(ws.dir, 'a.txt')), false);
  });

  it('file names with newlines or escape codes cannot fake diff lines', async () => {
    const evil = 'x.txt\n+++ innocent.txt\n@@ -0,0 +1 @@\n+fine\u001b[2K';
    writeFileSync(join(upper.dir, evil), 'rm -rf /\n');
    const [change] = await buildChangeSet(ws.dir, [file(upper.dir, evil)]);
    const headers = change.diff.split('\n').filter((l) => l.startsWith('---') || l.startsWith('+++'));
    assert.equal(headers.length, 2, change.diff);
    assert.ok(!change.diff.includes('\u001b'), 'raw escape code in the diff');
  });

  it('a protected path (.git, .vscode, .aios) or the kernel database in a change set is refused, whatever was approved', async () => {
    for (const p of ['.aios/aios.db', '.aios/aios.db-wal']) {
      mkdirSync(join(upper.dir, '.aios'), { recursive: true });
      writeFileSync(join(upper.dir, p), 'replaced');
    }
    const changes = await buildChangeSet(ws.dir, [file(upper.dir, '.aios/aios.db'), file(upper.dir, '.aios/aios.db-wal')], { untouchable: [join(ws.dir, '.aios/aios.db')] });
    const result = await applyApproved(ws.dir, changes, takeBaseline());
    assert.deepEqual(result.applied, []);
    assert.match(result.conflicts[0]?.reason ?? '', /database/);
    assert.equal(existsSync(join(ws.dir, '.aios/aios.db')), false);
  });
});

describe('the kernel database is out of the file tools\' reach', () => {
  it('read_file, write_file and edit_file refuse the database and its -wal/-shm files, however the path is spelled', async () => {
    const ws = makeWorkspace({ '.aios/aios.db': 'SQLite format 3\0', '.aios/aios.db-wal': 'wal', 'ok.txt': 'ok\n' });
    try {
      const tools = createWorkspaceTools({ root: ws.dir, forbidden: [join(ws.dir, '.aios/aios.db')] });
      const ctx: ToolContext = { pid: 1, agentName: 'a', signal: new AbortController().signal, proposeChanges: async () => ({ approved: [] }) };
      for (const [name, input] of [
        ['read_file', { path: '.aios/aios.db' }],
        ['read_file', { path: './.aios/../.aios/aios.db-wal' }],
        ['read_file', { path: join(ws.dir, '.aios/aios.db') }],
        ['write_file', { path: '.aios/aios.db-shm', content: 'x' }],
        ['edit_file', { path: '.aios/aios.db', old_text: 'SQLite', new_text: 'x' }],
      ] as const) {
        await assert.rejects(tools.find((t) => t.name === name)!.prepare(input, ctx), /the AIOS kernel's database/, `${name} ${JSON.stringify(input)}`);
      }
      assert.equal(readFileSync(join(ws.dir, '.aios/aios.db'), 'utf8'), 'SQLite format 3\0');
    } finally {
      ws.remove();
    }
  });
});

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

describe('file tools raced through a symlink swapped in after the path check', function () {
  this.timeout(60_000);
  let ws: ReturnType<typeof makeWorkspace>;
  let outside: ReturnType<typeof makeWorkspace>;
  let swapper: ChildProcess | undefined;
  const outsideText = 'OUTSIDE the workspace\n';

  beforeEach(() => {
    ws = makeWorkspace({ 'x.txt': 'inside\n', 'd/x.txt': 'inside\n' });
    outside = makeWorkspace({ 'x.txt': outsideText });
  });
  afterEach(async () => {
    if (swapper && swapper.exitCode === null) {
      const exited = new Promise((resolve) => swapper!.once('exit', resolve));
      swapper.kill('SIGKILL');
      await exited;
    }
    ws.remove();
    outside.remove();
  });

  /** A separate process that keeps swapping `target` between a real file (or dir) and a symlink leading outside. */
  function startSwapper(target: string, real: string, link: string): void {
    const script = `
      const fs = require('fs');
      const [target, real, link] = process.argv.slice(1);
      for (;;) {
        try { fs.rmSync(target + '.l', { force: true }); fs.symlinkSync(link, target + '.l'); fs.renameSync(target + '.l', target); } catch {}
        try { fs.rmSync(target, { recursive: true, force: true }); fs.cpSync(real, target, { recursive: true }); } catch {}
      }`;
    swapper = spawn(process.execPath, ['-e', script, target, real, link], { stdio: 'ignore' });
  }

  const context = (): ToolContext => ({ pid: 1, agentName: 'racer', signal: new AbortController().signal, proposeChanges: async () => ({ approved: [] }) });

  for (const level of ['the file itself', 'a parent directory'] as const) {
    it(`read_file never returns an outside file and write_file never writes one (${level})`, async () => {
      const tools = createWorkspaceTools({ root: ws.dir });
      const read = tools.find((t) => t.name === 'read_file')!;
      const write = tools.find((t) => t.name === 'write_file')!;
      const spare = makeWorkspace({ 'x.txt': 'inside\n' });
      try {
        if (level === 'the file itself') startSwapper(join(ws.dir, 'x.txt'), join(spare.dir, 'x.txt'), join(outside.dir, 'x.txt'));
        else startSwapper(join(ws.dir, 'd'), spare.dir, outside.dir);
        const rel = level === 'the file itself' ? 'x.txt' : 'd/x.txt';
        for (let i = 0; i < 400; i++) {
          try {
            const r = await (await read.prepare({ path: rel }, context())).run();
            assert.ok(!r.content.includes('OUTSIDE'), `read ${i} returned the outside file: ${r.content}`);
          } catch (err) {
            assert.doesNotMatch((err as Error).message, /OUTSIDE/);
          }
          try {
            await (await write.prepare({ path: rel, content: `written ${i}\n` }, context())).run();
          } catch {
            // refused: fine
          }
          assert.equal(readFileSync(join(outside.dir, 'x.txt'), 'utf8'), outsideText, `write ${i} reached the outside file`);
        }
      } finally {
        spare.remove();
      }
    });
  }
});
