/**
 * Fast exec for images that have node (the default image): the container's main process is a
 * tiny runner that spawns commands on request over the container's attached stdin/stdout
 * (Engine API attach, one hijacked connection per container). A Docker exec costs a runc
 * invocation (~60 ms here); a spawn by the runner costs a few ms.
 *
 * The runner has no more rights than the commands it runs (same user, same container), and
 * nothing we trust comes from it except the command's own output: timeouts kill the container
 * from outside, OOM comes from engine events, changes are read from the staging layer. After each
 * command it kills every other process in the container (kill -1), and it exits (stopping the
 * container) when the kernel's connection closes.
 */
import { performance } from 'node:perf_hooks';
import { stopWhen } from './stopWhen';
import { StringDecoder } from 'node:string_decoder';
import type Docker from 'dockerode';
import type { ExecRequest, RawExec } from './exec';
import { CappedBuffer, sinkTo } from './output';

/** Source of the runner, run as `node -e` (JSON lines in on stdin, JSON lines out on stdout). */
export const RUNNER_SOURCE = `
const { spawn } = require('child_process');
const { statSync } = require('fs');
const { constants } = require('os');
const send = (m) => process.stdout.write(JSON.stringify(m) + '\\n');
const children = new Map();
let buf = '';
// The kernel's connection closed (it exited or died): end everything, which stops the container.
process.stdin.on('end', () => { try { process.kill(-1, 'SIGKILL'); } catch {} process.exit(0); });
// After each command nothing it started may keep running (a background process could rewrite
// the staging layer while the developer reviews the diff): kill every process but init and us.
const reap = () => { try { process.kill(-1, 'SIGKILL'); } catch {} };
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => {
  buf += d;
  for (let i; (i = buf.indexOf('\\n')) >= 0; ) {
    const line = buf.slice(0, i);
    buf = buf.slice(i + 1);
    if (line) handle(JSON.parse(line));
  }
});
function handle(m) {
  if (m.kill) {
    const child = children.get(m.id);
    if (child) try { process.kill(-child.pid, 'SIGKILL'); } catch {}
    return;
  }
  const total = { o: 0, e: 0 };
  let done = false;
  const finish = (exit, err) => {
    if (done) return;
    done = true;
    children.delete(m.id);
    reap();
    send({ id: m.id, exit, err, total });
  };
  try {
    if (!statSync(m.cwd).isDirectory()) return finish(126, 'cwd ' + m.cwd + ' is not a directory');
  } catch (e) {
    return finish(126, 'cwd ' + m.cwd + ': no such file or directory');
  }
  const child = spawn(m.argv[0], m.argv.slice(1), { cwd: m.cwd, env: Object.assign({}, process.env, m.env), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  children.set(m.id, child);
  const sent = { o: 0, e: 0 };
  const forward = (stream, k) => stream.on('data', (d) => {
    total[k] += d.length;
    const room = m.cap - sent[k];
    if (room <= 0) return;
    const part = d.length > room ? d.subarray(0, room) : d;
    sent[k] += part.length;
    send({ id: m.id, [k]: part.toString('base64') });
  });
  forward(child.stdout, 'o');
  forward(child.stderr, 'e');
  child.on('error', (e) => finish(e.code === 'ENOENT' ? 127 : 126, m.argv[0] + ': ' + (e.code === 'ENOENT' ? 'not found' : e.message)));
  child.on('close', (code, signal) => finish(code !== null ? code : 128 + (constants.signals[signal] || 0)));
}
`;

/** Longest line the runner sends: one base64 chunk of a pipe read, with room to spare. */
const MAX_LINE_CHARS = 8 * 1024 * 1024;

/** What the runner sends: output chunks (base64) and, last, the exit. */
interface RunnerMessage {
  id: number;
  o?: string;
  e?: string;
  exit?: number;
  err?: string;
  total?: { o: number; e: number };
}

interface Pending {
  stdout: CappedBuffer;
  stderr: CappedBuffer;
  resolve(message: { exit: number; err?: string; total: { o: number; e: number } } | null): void;
}

/** One container's runner connection. */
export class RunnerClient {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private lines = '';
  private readonly decoder = new StringDecoder('utf8');
  /** false once the connection ended (the container stopped or the runner died) */
  alive = true;

  private constructor(private readonly stream: NodeJS.ReadWriteStream & { destroy(): void }, modem: Docker['modem']) {
    // the runner's stderr carries nothing we use (node's own crash text at most)
    modem.demuxStream(stream, sinkTo((d) => this.onStdout(d)), sinkTo(() => {}));
    const end = () => {
      this.alive = false;
      for (const p of this.pending.values()) p.resolve(null);
      this.pending.clear();
    };
    stream.on('end', end);
    stream.on('close', end);
    stream.on('error', end);
  }

  /** Attaches to a running runner container. */
  static async attach(container: Docker.Container): Promise<RunnerClient> {
    const stream = (await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as NodeJS.ReadWriteStream & { destroy(): void };
    return new RunnerClient(stream, container.modem as Docker['modem']); // `any` in @types/dockerode
  }

  /**
   * Runs a command; on timeout or abort, `stop` is called (the sandbox kills the container) and
   * the result says so. Same contract as runExec.
   */
  async run(request: ExecRequest, stop: () => Promise<void>): Promise<RawExec> {
    const startedAt = Date.now();
    const t0 = performance.now();
    const id = this.nextId++;
    const stdout = new CappedBuffer(request.capBytes);
    const stderr = new CappedBuffer(request.capBytes);
    const finished = new Promise<Parameters<Pending['resolve']>[0]>((resolve) => {
      this.pending.set(id, { stdout, stderr, resolve });
    });
    if (!this.alive) this.pending.get(id)?.resolve(null);
    else this.stream.write(`${JSON.stringify({ id, argv: request.argv, cwd: request.workdir, env: envObject(request.env), cap: request.capBytes })}\n`);

    const stopRequested = stopWhen(request.timeoutMs, request.signal);
    try {
      const first = await Promise.race([finished.then((m) => ({ m })), stopRequested.reason]);
      if (typeof first === 'string') {
        this.stream.write(`${JSON.stringify({ id, kill: true })}\n`);
        await stop();
        return result(null, first);
      }
      const m = first.m;
      if (!m) return { ...result(null, null), exitCode: null, stderr: stderr.text() || 'the sandbox runner stopped (the container died)' };
      if (m.err) stderr.add(Buffer.from(`${m.err}\n`));
      // The runner forwards at most the cap; it reports the full sizes.
      stdout.total = Math.max(stdout.total, m.total.o);
      stderr.total = Math.max(stderr.total, m.total.e + (m.err ? m.err.length + 1 : 0));
      return result(m.exit, null);
    } finally {
      stopRequested.dispose();
      this.pending.delete(id);
    }

    function result(exitCode: number | null, why: RawExec['stopped']): RawExec {
      return {
        exitCode,
        stdout: stdout.text(),
        stderr: stderr.text(),
        stdoutBytes: stdout.total,
        stderrBytes: stderr.total,
        truncated: stdout.truncated || stderr.truncated,
        durationMs: Math.round(performance.now() - t0),
        stopped: why,
        startedAt,
      };
    }
  }

  /** Closes the connection (the runner keeps running until its container stops). */
  close(): void {
    this.stream.destroy();
  }

  private onStdout(data: Buffer): void {
    this.lines += this.decoder.write(data);
    // A command can write into the runner's stdout (same user): garbage is skipped, and a line
    // that never ends drops the connection (the container restarts) instead of eating memory.
    if (this.lines.length > MAX_LINE_CHARS && !this.lines.includes('\n')) {
      this.close();
      return;
    }
    for (let i; (i = this.lines.indexOf('\n')) >= 0; ) {
      const line = this.lines.slice(0, i);
      this.lines = this.lines.slice(i + 1);
      let m: RunnerMessage;
      try {
        m = JSON.parse(line) as RunnerMessage;
      } catch {
        continue;
      }
      const p = typeof m === 'object' && m ? this.pending.get(m.id) : undefined;
      if (!p) continue;
      if (typeof m.o === 'string') p.stdout.add(Buffer.from(m.o, 'base64'));
      if (typeof m.e === 'string') p.stderr.add(Buffer.from(m.e, 'base64'));
      if (typeof m.exit === 'number') p.resolve({ exit: m.exit, err: typeof m.err === 'string' ? m.err : undefined, total: { o: Number(m.total?.o) || 0, e: Number(m.total?.e) || 0 } });
    }
  }
}

function envObject(env: readonly string[]): Record<string, string> {
  return Object.fromEntries(env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
}
