/**
 * Attacks on the sandbox on the real Docker engine: a background process that rewrites the
 * staging layer while the developer reviews (symlinks to host files, at several timings), a fifo
 * that would hang the diff step, writes over the staging quota, the kernel's state in `.aios`,
 * and containers left behind by a kernel that died.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type Docker from 'dockerode';
import type { ProposedFile } from '../../src/kernel/ports/approvals';
import type { ToolContext } from '../../src/kernel/ports/tools';
import { createRunCommandTool } from '../../src/sandbox/runCommandTool';
import { DockerSandbox } from '../../src/sandbox/sandbox';
import { ensureSandboxImage, hashTree, makeWorkspace, requireDocker, testSession } from '../support/docker';
import { runCommandError, runCommandResult } from '../support/runCommandResult';

/** A ToolContext whose proposeChanges runs `review` (the developer reading the diff) and then approves everything. */
function reviewingContext(pid: number, review: (files: ProposedFile[]) => Promise<void>): ToolContext & { proposals: ProposedFile[][] } {
  const proposals: ProposedFile[][] = [];
  return {
    pid,
    agentName: `agent-${pid}`,
    signal: new AbortController().signal,
    proposals,
    async proposeChanges(files) {
      proposals.push(files);
      await review(files);
      return { approved: files.map((f) => f.path) };
    },
  };
}

/** Polls `check` until it is true or `ms` passed; resolves with whether it became true. */
async function eventually(ms: number, check: () => boolean | Promise<boolean>): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return check();
}

for (const execMode of ['runner', 'api'] as const)
describe(`sandbox containment (real engine, ${execMode} exec)`, function () {
  this.timeout(120_000);
  let docker: Docker;
  let ws: ReturnType<typeof makeWorkspace>;
  let host: ReturnType<typeof makeWorkspace>;
  let sandbox: DockerSandbox;

  before(async function () {
    docker = await requireDocker(this);
    await ensureSandboxImage(docker);
  });

  beforeEach(() => {
    ws = makeWorkspace({ 'README.md': '# demo\n', '.aios/roles.json': '{"roles":[]}\n', '.aios/aios.db': 'SQLite format 3\0secret conversations' });
    host = makeWorkspace({ 'secret.txt': 'HOST SECRET\n' });
    sandbox = new DockerSandbox({ workspace: ws.dir, session: testSession(), poolSize: 0, execMode, stagingQuotaBytes: 32 * 1024 * 1024, untouchable: [join(ws.dir, '.aios/aios.db')] });
  });

  afterEach(async () => {
    await sandbox.dispose();
    ws.remove();
    host.remove();
  });

  /** The host directory of the agent's staging upper layer (where the container's writes land). */
  async function upperDir(): Promise<string> {
    const volumes = (await docker.listVolumes({ filters: { label: [`aios.kernel=${sandbox.config.session}`] } })).Volumes ?? [];
    assert.equal(volumes.length, 1);
    return join(volumes[0].Labels['aios.state'], 'upper');
  }

  for (const delayMs of [0, 50, 300]) {
    it(`a background process swapping staged files for host links ${delayMs} ms after the command is stopped before review; what lands is what was shown`, async () => {
      const swap = [
        'sleep', String(delayMs / 1000), ';',
        `rm -f a.txt b.txt; ln -s ${join(host.dir, 'secret.txt')} a.txt; ln -s /etc/shadow b.txt; echo evil > c.txt`,
      ].join(' ');
      const tool = createRunCommandTool(sandbox);
      let changedDuringReview = false;
      const ctx = reviewingContext(1, async () => {
        // The developer reads the diff; a surviving background process would have its chance meanwhile.
        const upper = await upperDir();
        const state = () => `${isLink(join(upper, 'a.txt'))}:${isLink(join(upper, 'b.txt'))}:${existsSync(join(upper, 'c.txt'))}`;
        const atStart = state();
        changedDuringReview = await eventually(delayMs + 1500, () => state() !== atStart);
      });
      const call = await tool.prepare({ command: `echo harmless > a.txt; echo also > b.txt; (setsid sh -c '${swap}' >/dev/null 2>&1 &) ; true` }, ctx);
      const result = runCommandResult((await call.run()).content);
      assert.equal(changedDuringReview, false, 'a process of the command was still running while the developer reviewed');
      const shown = new Map(ctx.proposals[0].map((f) => [f.path, f]));
      // Whether the swap came before the command ended (then it is shown, refused) or never: only shown bytes land.
      for (const path of ['a.txt', 'b.txt', 'c.txt']) {
        const real = join(ws.dir, path);
        if (!existsSync(real) && !isLink(real)) continue;
        assert.ok(lstatSync(real).isFile(), `${path} landed as a link`);
        assert.equal(readFileSync(real, 'utf8'), shown.get(path)?.after, `${path} holds other bytes than were shown`);
        assert.doesNotMatch(readFileSync(real, 'utf8'), /HOST SECRET|root:/);
      }
      if (shown.get('a.txt')?.after === 'harmless\n') assert.deepEqual(result.applied, ['a.txt', 'b.txt']);
      else assert.deepEqual(result.applied, [], 'a set with links to host files applies nothing');
    });
  }

  it('a process that survives with a new session or a double fork is gone before the next command', async () => {
    const r = await sandbox.exec(2, "(setsid sleep 300 >/dev/null 2>&1 &) ; (sh -c 'sleep 301 >/dev/null 2>&1 &' &) ; nohup sleep 302 >/dev/null 2>&1 & true");
    assert.equal(r.exitCode, 0, r.stderr);
    const ps = await sandbox.exec(2, "for d in /proc/[0-9]*; do cat $d/cmdline 2>/dev/null | tr '\\0' ' '; echo; done");
    assert.doesNotMatch(ps.stdout, /sleep 30[012]/);
  });

  it('a fifo in /workspace does not hang collecting changes; it is shown as a fifo and not applied', async () => {
    const tool = createRunCommandTool(sandbox);
    const ctx = reviewingContext(3, async () => undefined);
    const call = await tool.prepare({ command: 'mkfifo pipe && echo ok > ok.txt', timeout_ms: 5000 }, ctx);
    const t0 = Date.now();
    const result = runCommandResult((await call.run()).content);
    assert.ok(Date.now() - t0 < 20_000, `took ${Date.now() - t0} ms`);
    const pipe = ctx.proposals[0].find((f) => f.path === 'pipe');
    assert.ok(pipe, 'the fifo is shown');
    assert.match(pipe.diff, /fifo \(not a regular file\)/);
    assert.deepEqual(result.applied, [], 'a set with a refused entry applies nothing');
    assert.equal(existsSync(join(ws.dir, 'pipe')), false);
  });

  it('writes over the staging quota: the command cannot make a file larger than it, and a set over it is refused with a clear error', async () => {
    const tool = createRunCommandTool(sandbox);
    const ctx = reviewingContext(4, async () => undefined);
    const before = hashTree(ws.dir);
    const call = await tool.prepare({ command: 'head -c 40000000 /dev/zero > a.bin; head -c 40000000 /dev/zero > b.bin; ls -l' }, ctx);
    const outcome = await call.run();
    const result = runCommandError(outcome.content);
    assert.equal(outcome.isError, true);
    assert.match(result.error, /staging quota of 32 MiB/);
    assert.match(result.error, /aios\.sandbox\.stagingQuotaMiB/);
    assert.equal(ctx.proposals.length, 0, 'nothing proposed');
    assert.equal(hashTree(ws.dir), before);
    // The agent's sandbox keeps working, on a clean view.
    const again = await sandbox.exec(4, 'ls a.bin b.bin 2>&1; echo fine > f.txt');
    assert.match(again.stdout, /No such file/);
    assert.deepEqual((await sandbox.changes(4)).map((c) => c.path), ['f.txt']);
  });

  it('a command that keeps writing files past the quota is stopped while it runs, long before its timeout', async () => {
    const t0 = Date.now();
    const r = await sandbox.exec(6, 'i=0; while true; do head -c 1000000 /dev/zero > f$i.bin || exit 3; i=$((i+1)); done', { timeoutMs: 60_000 });
    assert.ok(Date.now() - t0 < 30_000, `ran ${Date.now() - t0} ms`);
    assert.equal(r.killed, 'aborted');
    assert.match(r.message ?? '', /over the staging quota of 32 MiB/);
  });

  it('the kernel state in .aios (database, roles) is invisible and unwritable in the sandbox, and never proposed', async () => {
    const r = await sandbox.exec(5, 'cat .aios/aios.db; ls -A .aios; echo x > .aios/roles.json; echo $?');
    assert.doesNotMatch(r.stdout + r.stderr, /secret conversations/);
    assert.doesNotMatch(r.stdout, /roles\.json/);
    assert.deepEqual(await sandbox.changes(5), []);
    assert.equal(readFileSync(join(ws.dir, '.aios/roles.json'), 'utf8'), '{"roles":[]}\n');
  });
});

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

describe('sandbox containers do not outlive their kernel (real engine)', function () {
  this.timeout(120_000);
  let docker: Docker;

  before(async function () {
    docker = await requireDocker(this);
    await ensureSandboxImage(docker);
  });

  for (const execMode of ['runner', 'api'] as const) {
    it(`a kernel killed with SIGKILL: its containers stop at once, and the next kernel removes them (${execMode})`, async () => {
      const ws = makeWorkspace({ 'a.txt': 'a\n' });
      const session = testSession();
      const script = resolve(__dirname, '../support/sandboxKernel.ts');
      mkdirSync(join(ws.dir, '.x'), { recursive: true });
      writeFileSync(join(ws.dir, '.x/marker'), '');
      const child = spawn(process.execPath, ['--import', 'tsx', script, ws.dir, session, execMode], { stdio: ['ignore', 'pipe', 'inherit'] });
      try {
        const ready = await new Promise<string>((resolveReady, reject) => {
          let out = '';
          child.stdout!.on('data', (d) => { out += d; if (out.includes('ready\n')) resolveReady(out); });
          child.once('exit', (code) => reject(new Error(`kernel exited early (${code}): ${out}`)));
        });
        assert.match(ready, /ready/);
        const running = () => docker.listContainers({ filters: { label: [`aios.kernel=${session}`] } });
        assert.ok((await running()).length >= 1, 'the kernel had a running container');
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
        assert.ok(await eventually(15_000, async () => (await running()).length === 0), 'containers still running after their kernel died');
        // The next kernel on this machine removes what is left (containers and volumes).
        const next = new DockerSandbox({ workspace: ws.dir, session: testSession(), poolSize: 0 });
        try {
          await next.start();
          const left = await docker.listContainers({ all: true, filters: { label: [`aios.kernel=${session}`] } });
          const volumes = (await docker.listVolumes({ filters: { label: [`aios.kernel=${session}`] } })).Volumes ?? [];
          assert.equal(left.length + volumes.length, 0, 'the next kernel left the dead one\'s containers or volumes');
        } finally {
          await next.dispose();
        }
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        ws.remove();
      }
    });
  }
});
