/**
 * The Docker sandbox on the real engine: faults and bad input (engine down, image missing,
 * memory bomb, endless loop, fork bomb, host paths, direct writes, network, symlinks, huge
 * output) and the happy path through run_command (propose → approve / deny → conflict).
 * After every fault the real workspace is unchanged (its tree hash).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type Docker from 'dockerode';
import type { ProposedFile } from '../../src/kernel/ports/approvals';
import type { ToolContext } from '../../src/kernel/ports/tools';
import { ToolInputError } from '../../src/kernel/ports/tools';
import { EngineUnreachableError } from '../../src/sandbox/engine';
import { ImageMissingError } from '../../src/sandbox/image';
import { createRunCommandTool } from '../../src/sandbox/runCommandTool';
import { DockerSandbox } from '../../src/sandbox/sandbox';
import { ensureSandboxImage, hashTree, makeWorkspace, requireDocker, testSession } from '../support/docker';
import { runCommandResult } from '../support/runCommandResult';
import { within } from '../support/waits';

/** A ToolContext whose proposeChanges answers with `decide` and records what it was shown. */
function fakeContext(pid: number, decide: (files: ProposedFile[]) => string[]): ToolContext & { proposals: ProposedFile[][] } {
  const proposals: ProposedFile[][] = [];
  return {
    pid,
    agentName: `agent-${pid}`,
    signal: new AbortController().signal,
    proposals,
    async proposeChanges(files) {
      proposals.push(files);
      return { approved: decide(files) };
    },
  };
}

describe('Docker sandbox (no engine needed)', () => {
  it('engine down: start() fails fast with the clear error naming the host and what to do', async function () {
    const ws = makeWorkspace({ 'a.txt': 'a\n' });
    const saved = process.env.DOCKER_HOST;
    const dead = `/tmp/aios-dead-${randomBytes(4).toString('hex')}.sock`;
    process.env.DOCKER_HOST = `unix://${dead}`;
    try {
      const sandbox = new DockerSandbox({ workspace: ws.dir, session: testSession() });
      await assert.rejects(within(sandbox.start(), 1000, 'start() failing on a dead engine'), (err: Error) => {
        assert.ok(err instanceof EngineUnreachableError);
        assert.match(err.message, new RegExp(`Docker engine not reachable at unix://${dead}`));
        assert.match(err.message, /scripts\/ensure-docker\.sh/);
        assert.match(err.message, /aios\.sandbox\.dockerHost/);
        return true;
      });
      // The tool surfaces the same error; the rest of the kernel keeps running.
      const tool = createRunCommandTool(sandbox);
      const call = await tool.prepare({ command: 'true' }, fakeContext(1, () => []));
      await assert.rejects(call.run(), EngineUnreachableError);
      await sandbox.dispose();
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
      ws.remove();
    }
  });

  it('run_command refuses a cwd outside the workspace and bad commands as ToolInputError', async () => {
    const tool = createRunCommandTool({ config: { defaultTimeoutMs: 1000, maxTimeoutMs: 5000 } } as never);
    const ctx = fakeContext(1, () => []);
    for (const input of [
      { command: 'ls', cwd: '../..' },
      { command: 'ls', cwd: 'a/../../b' },
      { command: 'ls', cwd: '/etc' },
      { command: '' },
      { command: [] },
      { command: 'ls', timeout_ms: 10_000 },
    ]) {
      await assert.rejects(tool.prepare(input, ctx), ToolInputError, JSON.stringify(input));
    }
    const ok = await tool.prepare({ command: ['ls', '-la', 'a b'], cwd: 'src/' }, ctx);
    assert.deepEqual(ok.subject, { kind: 'command', summary: "run `ls -la 'a b'` in /workspace/src", command: "ls -la 'a b'", cwd: '/workspace/src' });
    assert.equal(tool.risk, 'high');
    assert.deepEqual(tool.capabilities, ['exec']);
  });
});

// Every fault holds for both ways of starting commands (see SandboxOptions.execMode).
for (const execMode of ['runner', 'api'] as const)
describe(`Docker sandbox (real engine, ${execMode} exec)`, function () {
  this.timeout(120_000);
  let docker: Docker;
  let ws: ReturnType<typeof makeWorkspace>;
  let sandbox: DockerSandbox;
  let wsHash: string;

  before(async function () {
    docker = await requireDocker(this);
    await ensureSandboxImage(docker);
  });

  beforeEach(() => {
    ws = makeWorkspace({
      'README.md': '# demo\n',
      'src/index.js': 'console.log("hi");\n',
      'src/util.js': 'module.exports = 1;\n',
      'data.bin': Buffer.from([0, 1, 2, 3, 0, 255]),
    });
    wsHash = hashTree(ws.dir);
    sandbox = new DockerSandbox({ workspace: ws.dir, session: testSession(), poolSize: 0, execMode });
  });

  afterEach(async () => {
    await sandbox.dispose();
    ws.remove();
  });

  const unchanged = () => assert.equal(hashTree(ws.dir), wsHash, 'the real workspace changed');

  it('image missing: a clear error naming npm run sandbox:image', async () => {
    const s = new DockerSandbox({ workspace: ws.dir, session: testSession(), image: 'aios-sandbox:no-such-tag' });
    await assert.rejects(s.start(), (err: Error) => {
      assert.ok(err instanceof ImageMissingError);
      assert.match(err.message, /aios-sandbox:no-such-tag/);
      assert.match(err.message, /npm run sandbox:image/);
      return true;
    });
    await s.dispose();
  });

  it('uses the devcontainer image when the workspace has one (comments allowed)', async () => {
    writeFileSync(`${ws.dir}/.devcontainer.json`, '// dev\n{ "image": "aios-devcontainer:missing", /* c */ }\n');
    const s = new DockerSandbox({ workspace: ws.dir, session: testSession() });
    await assert.rejects(s.start(), /aios-devcontainer:missing \(from \.devcontainer\/devcontainer\.json\)/);
    await s.dispose();
    rmSync(`${ws.dir}/.devcontainer.json`);
  });

  it('runs as the non-root user with no capabilities, read-only root and the limits', async () => {
    const r = await sandbox.exec(1, 'id -u; grep CapEff /proc/self/status; touch /etc/x 2>&1; echo tmp > /tmp/t && cat /tmp/t; cat /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/pids.max 2>/dev/null; pwd');
    assert.equal(r.exitCode, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines[0], '1000');
    assert.match(lines[1], /CapEff:\s+0+$/);
    assert.match(lines[2], /Read-only file system/);
    assert.equal(lines[3], 'tmp');
    assert.equal(lines[4], '128');
    assert.equal(lines[5], '/workspace');
    const [info] = await docker.listContainers({ filters: { label: [`aios.kernel=${sandbox.config.session}`] } });
    assert.equal(info.Labels['aios.sandbox'], '1');
    assert.equal(info.Labels['aios.pid'], '1');
    const inspect = await docker.getContainer(info.Id).inspect();
    assert.equal(inspect.HostConfig.NetworkMode, 'none');
    assert.equal(inspect.HostConfig.Memory, 256 * 1024 * 1024);
    assert.equal(inspect.HostConfig.ReadonlyRootfs, true);
    assert.ok(!inspect.Mounts.some((m) => m.Type === 'bind'), 'no bind mount of the workspace');
  });

  it('out of memory: a node memory bomb is reported as out of memory (limit 256 MiB)', async () => {
    const r = await sandbox.exec(1, ['node', '-e', 'const a = []; for (;;) a.push(Buffer.alloc(1 << 20, 1));'], { timeoutMs: 30_000 });
    assert.equal(r.killed, 'oom', JSON.stringify(r));
    assert.equal(r.exitCode, 137);
    assert.match(r.message ?? '', /out of memory \(limit 256 MiB\)/);
    assert.equal((await sandbox.exec(1, 'echo alive')).stdout, 'alive\n');
    unchanged();
  });

  it('endless loop: killed at the timeout and reported; the sandbox keeps working', async () => {
    const r = await within(sandbox.exec(1, 'while :; do :; done', { timeoutMs: 1000 }), 5000, 'the endless loop being killed');
    assert.equal(r.killed, 'timeout');
    assert.equal(r.exitCode, null);
    assert.match(r.message ?? '', /timed out after 1000 ms/);
    assert.equal((await sandbox.exec(1, 'echo alive')).stdout, 'alive\n');
    unchanged();
  });

  it('abort signal: kills the command', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const r = await sandbox.exec(1, 'sleep 30', { signal: controller.signal });
    assert.equal(r.killed, 'aborted');
    unchanged();
  });

  it('fork bomb: contained by the pids limit; the host is fine', async () => {
    const r = await sandbox.exec(1, 'bomb() { bomb | bomb & }; bomb; sleep 5', { timeoutMs: 4000 });
    assert.equal(r.killed, 'timeout');
    assert.match(r.stderr, /can't fork: Resource temporarily unavailable/, 'forks hit the pids limit');
    // The host still forks freely.
    assert.equal(execFileSync('sh', ['-c', 'for i in 1 2 3 4 5 6 7 8; do (true) & done; wait; echo host-ok'], { encoding: 'utf8' }).trim(), 'host-ok');
    // Killing the container at the timeout ended every bomb process.
    const after = await sandbox.exec(1, 'echo alive; ps -o pid | wc -l');
    assert.match(after.stdout, /^alive\n/);
    assert.ok(Number(after.stdout.split('\n')[1]) < 10, after.stdout);
    unchanged();
  });

  it('a command that kills every process it can (kill -9 -1): the next command runs in a restarted container', async () => {
    await sandbox.exec(1, 'echo staged > s.txt');
    await sandbox.exec(1, 'kill -9 -1; sleep 1');
    const r = await sandbox.exec(1, 'cat s.txt');
    assert.equal(r.stdout, 'staged\n', 'the staging layer survives the restart');
    unchanged();
  });

  it('host paths outside the mounts are not the host\'s', async () => {
    const marker = `/root/aios-marker-${randomBytes(4).toString('hex')}`;
    writeFileSync(marker, 'host secret');
    try {
      const hostShadow = existsSync('/etc/shadow') ? readFileSync('/etc/shadow', 'utf8') : '';
      const r = await sandbox.exec(1, `cat /etc/shadow 2>&1; ls -a /root 2>&1; cat ${marker} 2>&1; ls /workspace/.. ; cat /proc/1/cmdline | tr '\\0' ' '`);
      assert.ok(!r.stdout.includes('host secret'));
      assert.ok(!hostShadow || !r.stdout.includes(hostShadow.split('\n')[0]), 'host /etc/shadow visible');
      assert.match(r.stdout, /Permission denied|No such file/);
      assert.ok(!r.stdout.includes(ws.dir.split('/').pop()!), 'the host path of the workspace leaks');
      assert.match(r.stdout, /docker-init|sleep/); // pid 1 is the container's, not the host's
    } finally {
      rmSync(marker, { force: true });
    }
    unchanged();
  });

  it('writes to /workspace land in staging; the real workspace is unchanged', async () => {
    const r = await sandbox.exec(1, 'echo pwned > /workspace/README.md && echo new > /workspace/new.txt && rm /workspace/src/util.js && cat README.md');
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, 'pwned\n');
    unchanged();
    const changes = await sandbox.changes(1);
    assert.deepEqual(changes.map((c) => [c.path, c.status]), [['README.md', 'modified'], ['new.txt', 'added'], ['src/util.js', 'deleted']]);
  });

  it('network access fails (no interfaces but loopback, host loopback unreachable)', async () => {
    const server: Server = createServer((_req, res) => res.end('host-service')).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const connect = (host: string) =>
        `node -e "require('net').connect(${port}, '${host}').setTimeout(3000, () => { console.log('timeout'); process.exit(1); }).on('connect', () => console.log('connected')).on('data', (d) => console.log(String(d))).on('error', (e) => { console.log(e.code); process.exit(1); })"`;
      const r = await sandbox.exec(1, `ls /sys/class/net; ${connect('127.0.0.1')}; ${connect('1.1.1.1')}; ${connect('172.17.0.1')}`);
      const lines = r.stdout.trim().split('\n');
      assert.equal(lines[0], 'lo');
      assert.ok(!r.stdout.includes('host-service') && !r.stdout.includes('connected'), r.stdout);
      assert.deepEqual(lines.slice(1), ['ECONNREFUSED', 'ENETUNREACH', 'ENETUNREACH']);
    } finally {
      server.close();
    }
    unchanged();
  });

  it('a symlink in the workspace pointing outside does not reach the host file', async () => {
    const secret = `/tmp/aios-secret-${randomBytes(4).toString('hex')}.txt`;
    writeFileSync(secret, 'host secret content');
    symlinkSync(secret, `${ws.dir}/escape`);
    symlinkSync('/root', `${ws.dir}/rootdir`);
    wsHash = hashTree(ws.dir);
    try {
      const r = await sandbox.exec(1, 'cat escape 2>&1; ls rootdir/ 2>&1; echo overwrite > escape 2>&1; echo rc=$?');
      assert.ok(!r.stdout.includes('host secret content'));
      assert.equal(readFileSync(secret, 'utf8'), 'host secret content');
    } finally {
      rmSync(secret, { force: true });
    }
    unchanged();
  });

  it('output of several MB is capped with a marker, without a crash', async () => {
    const r = await sandbox.exec(1, "head -c 5000000 /dev/zero | tr '\\0' a; head -c 3000000 /dev/zero | tr '\\0' b >&2");
    assert.equal(r.exitCode, 0);
    assert.equal(r.stdoutBytes, 5_000_000);
    assert.equal(r.stderrBytes, 3_000_000);
    assert.ok(r.truncated);
    assert.ok(r.stdout.startsWith('a'.repeat(1024 * 1024)));
    assert.match(r.stdout, /\[output truncated: kept the first 1048576 of 5000000 bytes\]$/);
    assert.match(r.stderr, /\[output truncated: kept the first 1048576 of 3000000 bytes\]$/);
    unchanged();
  });

  it('a cwd that does not exist is reported, not thrown', async () => {
    const r = await sandbox.exec(1, 'pwd', { cwd: 'missing/dir' });
    assert.notEqual(r.exitCode, 0);
    assert.match(r.message ?? '', /missing\/dir/);
  });

  it('changes: added, modified, deleted, binary, and a re-created directory (opaque) with its lost files', async () => {
    const r = await sandbox.exec(1, "printf '\\000\\001new' > data.bin; rm -rf src && mkdir src && echo 'x' > src/index.js; mkdir -p lib && echo y > lib/y.txt");
    assert.equal(r.exitCode, 0, r.stderr);
    const changes = await sandbox.changes(1);
    assert.deepEqual(changes.map((c) => [c.path, c.status]), [
      ['data.bin', 'modified'],
      ['lib/y.txt', 'added'],
      ['src/index.js', 'modified'],
      ['src/util.js', 'deleted'],
    ]);
    const bin = changes.find((c) => c.path === 'data.bin')!;
    assert.equal(bin.before, null);
    assert.equal(bin.after, null);
    assert.match(bin.diff, /^--- a\/data.bin\n\+\+\+ b\/data.bin\n-binary data, 6 B .*sha256 [0-9a-f]{64}\n\+binary data, 5 B .*sha256 [0-9a-f]{64}\n$/);
    const idx = changes.find((c) => c.path === 'src/index.js')!;
    assert.match(idx.diff, /-console.log\("hi"\);\n\+x\n/);
    unchanged();
  });

  it('happy path through run_command: a written file is proposed with its diff, approved and applied', async () => {
    const tool = createRunCommandTool(sandbox);
    const ctx = fakeContext(7, (files) => files.map((f) => f.path));
    const call = await tool.prepare({ command: 'mkdir -p out && echo hello > out/greeting.txt && echo done' }, ctx);
    const outcome = await call.run();
    const result = runCommandResult(outcome.content);
    assert.equal(outcome.isError, false);
    assert.equal(result.exit_code, 0);
    assert.equal(result.stdout, 'done\n');
    assert.deepEqual(result.changed, [{ path: 'out/greeting.txt', status: 'added' }]);
    assert.deepEqual(result.applied, ['out/greeting.txt']);
    assert.deepEqual(result.conflicts, []);
    assert.equal(ctx.proposals.length, 1);
    assert.match(ctx.proposals[0][0].diff, /\+hello/);
    assert.equal(readFileSync(`${ws.dir}/out/greeting.txt`, 'utf8'), 'hello\n');
    // A second command that changes nothing proposes nothing.
    await (await tool.prepare({ command: 'cat out/greeting.txt' }, ctx)).run();
    assert.equal(ctx.proposals.length, 1);
    // Changing the applied file again is no conflict: AIOS wrote it.
    const again = runCommandResult((await (await tool.prepare({ command: 'echo more >> out/greeting.txt' }, ctx)).run()).content);
    assert.deepEqual(again.applied, ['out/greeting.txt']);
    assert.equal(readFileSync(`${ws.dir}/out/greeting.txt`, 'utf8'), 'hello\nmore\n');
  });

  it('deny: nothing reaches the real workspace; a later command does not propose it again', async () => {
    const tool = createRunCommandTool(sandbox);
    const ctx = fakeContext(8, () => []);
    const result = runCommandResult((await (await tool.prepare({ command: 'echo no > denied.txt' }, ctx)).run()).content);
    assert.deepEqual(result.applied, []);
    assert.deepEqual(result.not_applied, ['denied.txt']);
    assert.equal(existsSync(`${ws.dir}/denied.txt`), false);
    unchanged();
    await (await tool.prepare({ command: 'echo other > other.txt' }, ctx)).run();
    assert.deepEqual(ctx.proposals[1].map((f) => f.path), ['other.txt']);
  });

  it('conflict: a file the developer changed since the sandbox started is reported, never overwritten; the set applies whole or not at all', async () => {
    const tool = createRunCommandTool(sandbox);
    const ctx = fakeContext(9, (files) => files.map((f) => f.path));
    await sandbox.exec(9, 'true'); // the agent's staging begins
    await new Promise((resolve) => setTimeout(resolve, 20));
    writeFileSync(`${ws.dir}/README.md`, '# edited by the developer\n');
    const result = runCommandResult((await (await tool.prepare({ command: 'echo agent > README.md && echo fine > ok.txt' }, ctx)).run()).content);
    assert.deepEqual(result.applied, []);
    assert.match(result.conflict_note ?? '', /whole or not at all/);
    assert.equal(existsSync(`${ws.dir}/ok.txt`), false);
    assert.equal(result.conflicts.length, 1);
    assert.equal(result.conflicts[0].path, 'README.md');
    assert.match(result.conflicts[0].reason, /changed in the workspace/);
    assert.equal(readFileSync(`${ws.dir}/README.md`, 'utf8'), '# edited by the developer\n');
  });

  it('release removes the container and its staging volume', async () => {
    await sandbox.exec(3, 'echo x > x.txt');
    await sandbox.release(3);
    const left = await docker.listContainers({ all: true, filters: { label: [`aios.kernel=${sandbox.config.session}`] } });
    const volumes = (await docker.listVolumes({ filters: { label: [`aios.kernel=${sandbox.config.session}`] } })).Volumes ?? [];
    assert.equal(left.length, 0);
    assert.equal(volumes.length, 0);
    unchanged();
  });

  it('removeOrphans removes what a dead kernel left, and leaves a live one\'s', async () => {
    await sandbox.start(); // start() already removes orphans once; we call it again below
    const dead = { 'aios.sandbox': '1', 'aios.kernel': 'dead-session', 'aios.pid': '1', 'aios.host': `${hostname()}:2147483646` };
    const alive = { ...dead, 'aios.kernel': 'live-session', 'aios.host': `${hostname()}:${process.pid}` };
    const c1 = await docker.createContainer({ Image: 'aios-sandbox:1', Cmd: ['true'], Labels: dead, HostConfig: { NetworkMode: 'none' } });
    const c2 = await docker.createContainer({ Image: 'aios-sandbox:1', Cmd: ['true'], Labels: alive, HostConfig: { NetworkMode: 'none' } });
    const stateDir = mkdtempSync(join(tmpdir(), 'aios-orphan-'));
    const volume = `aios-orphan-${randomBytes(4).toString('hex')}`;
    await docker.createVolume({ Name: volume, Labels: { ...dead, 'aios.state': stateDir } });
    try {
      const removed = await sandbox.removeOrphans();
      assert.ok(removed.containers >= 1 && removed.volumes >= 1, JSON.stringify(removed));
      await assert.rejects(c1.inspect(), /no such container/i);
      await assert.rejects(docker.getVolume(volume).inspect(), /no such volume/i);
      assert.equal(existsSync(stateDir), false, 'the dead kernel\'s staging directory is removed');
      await c2.inspect();
    } finally {
      await docker.getVolume(volume).remove().catch(() => undefined);
      await c1.remove({ force: true }).catch(() => undefined);
      await c2.remove({ force: true });
    }
  });
});

describe('Docker sandbox warm pool (real engine)', function () {
  this.timeout(120_000);
  let ws: ReturnType<typeof makeWorkspace>;
  let sandbox: DockerSandbox;

  before(async function () {
    const docker = await requireDocker(this);
    await ensureSandboxImage(docker);
  });
  beforeEach(() => {
    ws = makeWorkspace({ 'a.txt': 'a\n' });
    sandbox = new DockerSandbox({ workspace: ws.dir, session: testSession(), poolSize: 1 });
  });
  afterEach(async () => {
    await sandbox.dispose();
    ws.remove();
  });

  it('hands out a started container and resets its staging area between agents', async () => {
    await sandbox.start();
    await sandbox.poolSettled();
    assert.equal(sandbox.warm, 1);
    const first = await sandbox.exec(1, 'echo one > a.txt; echo t > /tmp/leftover; cat a.txt');
    assert.equal(first.stdout, 'one\n');
    await sandbox.release(1);
    await sandbox.poolSettled();
    assert.equal(sandbox.warm, 1);
    const second = await sandbox.exec(2, 'cat a.txt; ls /tmp');
    assert.equal(second.stdout, 'a\n', 'the next agent sees the plain workspace and an empty /tmp');
    assert.deepEqual(await sandbox.changes(2), []);
  });

  it('20 agents at once all complete', async () => {
    await sandbox.start();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => sandbox.exec(100 + i, `echo agent-${i}`)));
    results.forEach((r, i) => assert.equal(r.stdout, `agent-${i}\n`));
  });
});

describe('Docker sandbox runner (real engine)', function () {
  this.timeout(120_000);
  let ws: ReturnType<typeof makeWorkspace>;
  let sandbox: DockerSandbox;

  before(async function () {
    const docker = await requireDocker(this);
    await ensureSandboxImage(docker);
  });
  beforeEach(() => {
    ws = makeWorkspace({ 'a.txt': 'a\n' });
    sandbox = new DockerSandbox({ workspace: ws.dir, session: testSession(), poolSize: 0, execMode: 'runner' });
  });
  afterEach(async () => {
    await sandbox.dispose();
    ws.remove();
  });

  it('garbage a command writes into the runner\'s stdout is ignored', async () => {
    const r = await sandbox.exec(1, 'printf \'not json\\n{"id":"x"}\\nnull\\n[]\\n\' > /proc/$PPID/fd/1; echo ok');
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, 'ok\n');
    assert.equal((await sandbox.exec(1, 'echo again')).stdout, 'again\n');
  });

  it('a command that kills the runner gets an error; the next command runs in a restarted container', async () => {
    const r = await sandbox.exec(1, 'kill -9 $PPID; sleep 1');
    assert.equal(r.exitCode, null);
    assert.match(r.stderr, /runner stopped/);
    assert.equal((await sandbox.exec(1, 'cat a.txt')).stdout, 'a\n');
  });
});
