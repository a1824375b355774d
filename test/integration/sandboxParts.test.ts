/**
 * The sandbox's parts that need no engine: image choice, JSONC, stream demuxing and caps,
 * cwd and host resolution, the container's locked-down options, the warm pool, and applying
 * approved files (with conflicts) from a staging directory.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { once } from 'node:events';
import Docker from 'dockerode';
import { applyApproved, takeBaseline } from '../../src/sandbox/changeApply';
import { buildChangeSet } from '../../src/sandbox/changeSet';
import { resolveConfig } from '../../src/sandbox/config';
import { containerSpec } from '../../src/sandbox/containerSpec';
import { modemOptions, resolveDockerHost } from '../../src/sandbox/engine';
import { chooseImage, DEFAULT_SANDBOX_IMAGE, stripJsonComments } from '../../src/sandbox/image';
import { CappedBuffer } from '../../src/sandbox/output';
import { WarmPool } from '../../src/sandbox/pool';
import { resolveCwd } from '../../src/sandbox/sandbox';
import { stopWhen } from '../../src/sandbox/stopWhen';
import { touchedSince, type StagedEntry } from '../../src/sandbox/staging';
import { makeWorkspace } from '../support/docker';

const frame = (type: number, text: string) => {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
};

describe('sandbox parts', () => {
  it('strips JSONC comments and trailing commas, not inside strings', () => {
    const text = '{\n // c\n "image": "a//b", /* x */ "s": "/* keep */", "t": ",}",\n}';
    assert.deepEqual(JSON.parse(stripJsonComments(text)), { image: 'a//b', s: '/* keep */', t: ',}' });
  });

  it('chooses the image: configuration, then devcontainer, then the default', () => {
    const ws = makeWorkspace({ '.devcontainer/devcontainer.json': '{ // node\n "image": "node:20" }' });
    try {
      assert.deepEqual(chooseImage(ws.dir, 'mine:1'), { image: 'mine:1', source: 'config' });
      assert.deepEqual(chooseImage(ws.dir), { image: 'node:20', source: 'devcontainer' });
      writeFileSync(join(ws.dir, '.devcontainer/devcontainer.json'), '{ "build": { "dockerfile": "Dockerfile" } }');
      assert.deepEqual(chooseImage(ws.dir), { image: DEFAULT_SANDBOX_IMAGE, source: 'default' });
    } finally {
      ws.remove();
    }
  });

  it('demuxes frames split anywhere (dockerode) and caps each stream with a marker', async () => {
    const out = new CappedBuffer(5);
    const err = new CappedBuffer(100);
    const stream = new PassThrough();
    // dockerode's demuxer, as the exec and the runner use it (constructing Docker does not connect)
    new Docker({ socketPath: '/nonexistent.sock' }).modem.demuxStream(stream, out, err);
    const bytes = Buffer.concat([frame(1, 'hello world'), frame(2, 'oops'), frame(1, '!')]);
    for (let i = 0; i < bytes.length; i += 3) stream.write(bytes.subarray(i, i + 3));
    stream.end();
    await once(stream, 'end');
    assert.equal(out.total, 12);
    assert.equal(out.text(), 'hello\n[output truncated: kept the first 5 of 12 bytes]');
    assert.equal(err.text(), 'oops');
  });

  it('stops a command for the right reason: its timeout, or or the caller\'s abort', async () => {
    const live = new AbortController();
    const timedOut = stopWhen(30, live.signal);
    assert.equal(await timedOut.reason, 'timeout', 'a caller\'s signal that never aborts does not turn a timeout into an abort');
    timedOut.dispose();
    const killed = new AbortController();
    const aborted = stopWhen(60_000, killed.signal);
    killed.abort();
    assert.equal(await aborted.reason, 'aborted');
    aborted.dispose();
    const already = stopWhen(60_000, AbortSignal.abort());
    assert.equal(await already.reason, 'aborted');
    already.dispose();
  });

  it('resolves cwd under /workspace and refuses escapes', () => {
    assert.equal(resolveCwd(undefined), '/workspace');
    assert.equal(resolveCwd('src/'), '/workspace/src');
    assert.equal(resolveCwd('/workspace/a/../b'), '/workspace/b');
    for (const bad of ['..', 'a/../../etc', '/etc', '/workspace2']) assert.throws(() => resolveCwd(bad), /outside the workspace/, bad);
  });

  it('resolves the engine address: configuration, DOCKER_HOST, default socket', () => {
    assert.equal(resolveDockerHost('tcp://h:2375', { DOCKER_HOST: 'unix:///x.sock' }), 'tcp://h:2375');
    assert.equal(resolveDockerHost(undefined, { DOCKER_HOST: 'unix:///x.sock' }), 'unix:///x.sock');
    assert.equal(resolveDockerHost('', {}), 'unix:///var/run/docker.sock');
    assert.deepEqual(modemOptions('unix:///x.sock', {}), { socketPath: '/x.sock', host: undefined, port: undefined, protocol: 'http' });
    assert.deepEqual(modemOptions('tcp://10.0.0.2:2375', {}), { protocol: 'http', host: '10.0.0.2', port: '2375' });
  });

  it('locks the container down; network only when asked', () => {
    const config = resolveConfig({ workspace: '/w', session: 's', user: '1000:1000' });
    const spec = containerSpec(config, 'img', 'vol', { a: '1' }, false, true);
    const host = spec.HostConfig!;
    assert.equal(host.NetworkMode, 'none');
    assert.deepEqual(host.CapDrop, ['ALL']);
    assert.deepEqual(host.SecurityOpt, ['no-new-privileges']);
    assert.equal(host.ReadonlyRootfs, true);
    assert.equal(host.Memory, 256 * 1024 * 1024);
    assert.equal(host.NanoCpus, 1e9);
    assert.equal(host.PidsLimit, 128);
    assert.equal(spec.User, '1000:1000');
    assert.deepEqual(host.Mounts, [{ Type: 'volume', Source: 'vol', Target: '/workspace' }]);
    assert.equal(host.Binds, undefined);
    assert.equal(containerSpec(config, 'img', 'vol', {}, true, false).HostConfig!.NetworkMode, 'bridge');
  });

  it('touchedSince: own entry, or the directory that deleted it', () => {
    const before = new Map([['a', '1'], ['d', 'x']]);
    const after = new Map([['a', '1'], ['d', 'y'], ['b', '2']]);
    assert.equal(touchedSince(before, after, 'a'), false);
    assert.equal(touchedSince(before, after, 'b'), true);
    assert.equal(touchedSince(before, after, 'd/gone.txt'), true);
    assert.equal(touchedSince(before, after, 'e/other.txt'), false);
  });

  it('warm pool: fills to size, resets returned items, destroys extras and everything on dispose', async () => {
    const log: string[] = [];
    let n = 0;
    const pool = new WarmPool<number>({
      create: async () => ++n,
      reset: async (i) => void log.push(`reset ${i}`),
      destroy: async (i) => void log.push(`destroy ${i}`),
    }, 2);
    pool.fill();
    await pool.settled();
    assert.equal(pool.ready, 2);
    const a = pool.take()!;
    await pool.settled();
    assert.equal(pool.ready, 2, 'refilled after a take');
    await pool.giveBack(a);
    assert.deepEqual(log, [`destroy ${a}`], 'no room: destroyed, not reset');
    const b = pool.take()!;
    await pool.giveBack(b);
    assert.ok(log.includes(`reset ${b}`) || log.includes(`destroy ${b}`));
    await pool.dispose();
    assert.equal(pool.ready, 0);
  });

  describe('applyApproved', () => {
    let ws: ReturnType<typeof makeWorkspace>;
    let upper: ReturnType<typeof makeWorkspace>;
    beforeEach(() => {
      ws = makeWorkspace({ 'a.txt': 'a\n', 'b.txt': 'b\n', 'gone.txt': 'g\n' });
      upper = makeWorkspace({ 'a.txt': 'A\n', 'b.txt': 'B\n', 'new/n.txt': 'n\n' });
    });
    afterEach(() => {
      ws.remove();
      upper.remove();
    });
    const entries = (): StagedEntry[] => [
      { path: 'a.txt', staged: 'file', stagedPath: join(upper.dir, 'a.txt') },
      { path: 'b.txt', staged: 'file', stagedPath: join(upper.dir, 'b.txt') },
      { path: 'gone.txt', staged: 'deleted', stagedPath: null },
      { path: 'new/n.txt', staged: 'file', stagedPath: join(upper.dir, 'new/n.txt') },
    ];

    const tick = () => new Promise((resolve) => setTimeout(resolve, 15));

    it('writes approved files and deletes; a file the developer changed is a conflict that keeps the whole set out', async () => {
      await tick();
      const baseline = takeBaseline();
      const changes = await buildChangeSet(ws.dir, entries());
      writeFileSync(join(ws.dir, 'a.txt'), 'developer\n');
      const refused = await applyApproved(ws.dir, changes, baseline);
      assert.deepEqual(refused.applied, []);
      assert.deepEqual(refused.conflicts.map((c) => c.path), ['a.txt']);
      assert.equal(readFileSync(join(ws.dir, 'a.txt'), 'utf8'), 'developer\n');
      assert.equal(readFileSync(join(ws.dir, 'b.txt'), 'utf8'), 'b\n');
      const result = await applyApproved(ws.dir, changes.filter((c) => c.path !== 'a.txt'), baseline);
      assert.deepEqual(result.applied.sort(), ['b.txt', 'gone.txt', 'new/n.txt']);
      assert.equal(readFileSync(join(ws.dir, 'b.txt'), 'utf8'), 'B\n');
      assert.equal(readFileSync(join(ws.dir, 'new/n.txt'), 'utf8'), 'n\n');
      assert.equal(existsSync(join(ws.dir, 'gone.txt')), false);
      // What AIOS itself wrote is no conflict next time.
      writeFileSync(join(upper.dir, 'b.txt'), 'B2\n');
      const again = await applyApproved(ws.dir, await buildChangeSet(ws.dir, entries().slice(1, 2)), baseline);
      assert.deepEqual(again.applied, ['b.txt']);
    });

    it('a file touched after the baseline is a conflict even when its content is the same', async () => {
      await tick();
      const baseline = takeBaseline();
      await tick();
      const now = new Date();
      utimesSync(join(ws.dir, 'b.txt'), now, now);
      const result = await applyApproved(ws.dir, await buildChangeSet(ws.dir, entries().slice(1, 2)), baseline);
      assert.deepEqual(result.applied, []);
      assert.match(result.conflicts[0].reason, /since the sandbox started/);
      assert.equal(readFileSync(join(ws.dir, 'b.txt'), 'utf8'), 'b\n');
    });

    it('never writes through a symlinked directory leading outside the workspace', async () => {
      const outside = makeWorkspace({});
      try {
        symlinkSync(outside.dir, join(ws.dir, 'out'));
        await tick();
        mkdirSync(join(upper.dir, 'out'));
        writeFileSync(join(upper.dir, 'out/x.txt'), 'x');
        const changes = await buildChangeSet(ws.dir, [{ path: 'out/x.txt', staged: 'file', stagedPath: join(upper.dir, 'out/x.txt') }]);
        await tick();
        const result = await applyApproved(ws.dir, changes, takeBaseline());
        assert.deepEqual(result.applied, []);
        assert.match(result.conflicts[0].reason, /outside the workspace/);
        assert.equal(existsSync(join(outside.dir, 'x.txt')), false);
      } finally {
        outside.remove();
      }
    });
  });
});
