/**
 * One command in a running container through the Engine API's exec (not the CLI): hijacked
 * stream, demuxed and capped output, a timeout and an abort signal, OOM detection.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { stopWhen } from './stopWhen';
import type Docker from 'dockerode';
import { CappedBuffer, followProgress } from './output';

/** Why a command did not finish on its own. */
export type KillReason = 'timeout' | 'oom' | 'aborted';

/** What a command did. */
export interface ExecResult {
  /** null when the process was killed before it exited */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** bytes produced, including those dropped by the cap */
  stdoutBytes: number;
  stderrBytes: number;
  truncated: boolean;
  durationMs: number;
  killed: KillReason | null;
  /** human explanation when killed, e.g. "out of memory (limit 256 MiB)" */
  message: string | null;
}

/** The raw outcome before the sandbox adds OOM and restart handling. */
export interface RawExec extends Omit<ExecResult, 'killed' | 'message'> {
  /** set when we stopped it; the container was killed to do so */
  stopped: 'timeout' | 'aborted' | null;
  /** ms since epoch when the exec started (for the events query) */
  startedAt: number;
}

/** What runExec needs. */
export interface ExecRequest {
  argv: string[];
  user: string;
  workdir: string;
  env: string[];
  timeoutMs: number;
  signal?: AbortSignal;
  capBytes: number;
}

/**
 * Runs argv and waits for it. On timeout or abort `stop` kills the whole container: an exec has
 * no kill of its own, and killing the container also ends whatever the command left running in
 * the background. The caller restarts it (the staging volume survives).
 */
export async function runExec(container: Docker.Container, request: ExecRequest, stop: () => Promise<void>): Promise<RawExec> {
  const startedAt = Date.now();
  const t0 = performance.now();
  const stdout = new CappedBuffer(request.capBytes);
  const stderr = new CappedBuffer(request.capBytes);
  const exec = await container.exec({ Cmd: request.argv, User: request.user, WorkingDir: request.workdir, Env: request.env, AttachStdout: true, AttachStderr: true, AttachStdin: false, Tty: false });
  const stream = (await exec.start({ hijack: true, stdin: false })) as NodeJS.ReadableStream & { destroy(): void };
  const modem = container.modem as Docker['modem']; // `any` in @types/dockerode
  modem.demuxStream(stream, stdout, stderr);
  const ended = new Promise<void>((resolve) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', () => resolve());
  });

  let stopped: RawExec['stopped'] = null;
  const stopRequested = stopWhen(request.timeoutMs, request.signal);
  try {
    const first = await Promise.race([ended.then(() => null), stopRequested.reason]);
    if (first) {
      stopped = first;
      await stop();
      // The stream ends when the process dies; never wait forever for a stuck connection.
      const gaveUp = new AbortController();
      await Promise.race([ended, sleep(5000, undefined, { signal: gaveUp.signal }).catch(() => undefined)]);
      gaveUp.abort(); // clears the 5 s timer when the stream ended first
      stream.destroy();
    }
  } finally {
    stopRequested.dispose();
  }
  const info = await exec.inspect().catch(() => undefined);
  return {
    exitCode: stopped || !info || info.Running ? null : info.ExitCode,
    stdout: stdout.text(),
    stderr: stderr.text(),
    stdoutBytes: stdout.total,
    stderrBytes: stderr.total,
    truncated: stdout.truncated || stderr.truncated,
    durationMs: Math.round(performance.now() - t0),
    stopped,
    startedAt,
  };
}

/**
 * True when the engine reported an out-of-memory kill in the container since `sinceMs`. The
 * event and the exec's exit race each other, so `settleMs` > 0 looks again after that long.
 */
export async function oomSince(docker: Docker, containerId: string, sinceMs: number, settleMs = 0): Promise<boolean> {
  for (let attempt = 0; attempt < (settleMs > 0 ? 2 : 1); attempt++) {
    if (attempt) await sleep(settleMs);
    const stream = await docker.getEvents({
      since: timestamp(sinceMs - 1000),
      until: timestamp(Date.now()),
      filters: { container: [containerId], event: ['oom'] },
    } as unknown as Docker.GetEventsOptions);
    const events = await followProgress<{ Action?: string; status?: string }>(docker.modem, stream).catch(() => []);
    if (events.some((e) => e.Action === 'oom' || e.status === 'oom')) return true;
  }
  return false;
}

/** The engine's timestamp format: seconds, a dot, nine digits of nanoseconds. */
function timestamp(ms: number): string {
  return `${Math.floor(ms / 1000)}.${String((ms % 1000) * 1e6).padStart(9, '0')}`;
}
