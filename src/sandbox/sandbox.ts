/**
 * DockerSandbox: one locked-down container per agent, created lazily (or taken warm from the
 * pool), with the workspace at /workspace through a per-agent staging layer. Commands run as
 * Engine API execs; what they change comes back as diffs; approved files are applied here.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rmdir, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, posix } from 'node:path';
import type Docker from 'dockerode';
import type { Pid } from '../kernel/types';
import { applyApproved, takeBaseline, type ApplyResult, type Baseline } from './changeApply';
import { buildChangeSet, type StagedChange } from './changeSet';
import { mib, parseUser, resolveConfig, type SandboxConfig, type SandboxOptions } from './config';
import { containerSpec, sandboxLabels } from './containerSpec';
import { watchDisk } from './diskWatch';
import { connectEngine, type Engine } from './engine';
import { formatSize } from './fileCapture';
import { oomSince, runExec, type ExecRequest, type ExecResult, type RawExec } from './exec';
import { assertImagePresent, chooseImage } from './image';
import { removeOrphans } from './orphans';
import { WarmPool } from './pool';
import { RunnerClient } from './runner';
import { createStaging, readStaged, removeStaging, resetStaging, snapshotUpper, touchedSince, type HiddenProbe, type Staging, type UpperSnapshot } from './staging';

/** Where agents see the workspace. */
export const WORKSPACE_MOUNT = '/workspace';

/** Per-command options. */
export interface SandboxExecOptions {
  /** working directory relative to the workspace (or absolute under /workspace); default the root */
  cwd?: string;
  /** default `defaultTimeoutMs`; at most `maxTimeoutMs` */
  timeoutMs?: number;
  /** aborting kills the command (reported as killed: 'aborted') */
  signal?: AbortSignal;
  /** attach the configured network. Only for agents holding the high-risk `net` capability. */
  network?: boolean;
}

/** A started container and its staging layer. */
interface Box {
  name: string;
  container: Docker.Container;
  staging: Staging;
  network: boolean;
  running: boolean;
  /** set when the container's main process is the runner (fast exec) */
  runner: RunnerClient | null;
  useRunner: boolean;
}

/** An agent's sandbox: its box, its baseline, and a queue so its commands run one at a time. */
interface Slot {
  box: Box;
  baseline: Baseline;
  fromPool: boolean;
  queue: Promise<unknown>;
}

interface Ready {
  engine: Engine;
  image: string;
  /** commands go through the in-container runner (see runner.ts) */
  useRunner: boolean;
}

/** Thrown for a cwd outside the workspace. */
export class SandboxPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SandboxPathError';
  }
}

/** Resolves a caller's cwd to a path under /workspace, or throws SandboxPathError. */
export function resolveCwd(cwd: string | undefined): string {
  if (!cwd || cwd === '.') return WORKSPACE_MOUNT;
  const joined = (posix.isAbsolute(cwd) ? posix.normalize(cwd) : posix.join(WORKSPACE_MOUNT, cwd)).replace(/(.)\/+$/, '$1');
  if (joined !== WORKSPACE_MOUNT && !joined.startsWith(`${WORKSPACE_MOUNT}/`)) {
    throw new SandboxPathError(`cwd ${cwd} is outside the workspace: use a path relative to the workspace root`);
  }
  return joined;
}

/** The Docker sandbox. Construct freely; nothing touches Docker until the first use (or start()). */
export class DockerSandbox {
  readonly config: SandboxConfig;
  private ready: Promise<Ready> | undefined;
  private readonly slots = new Map<Pid, Promise<Slot>>();
  private pool: WarmPool<Box> | undefined;
  private counter = 0;
  private readonly hostTag = `${hostname()}:${process.pid}`;
  private disposed = false;
  /** memory limits raised for one agent (the reactor's out-of-memory retry) */
  private readonly memoryOverrides = new Map<Pid, number>();

  constructor(options: SandboxOptions, private readonly log: (line: string) => void = () => {}) {
    this.config = resolveConfig(options);
  }

  /**
   * Connects to the engine, checks the image, removes what dead kernels left, warms the pool.
   * Throws EngineUnreachableError / ImageMissingError; a failure is retried on the next call.
   */
  start(): Promise<void> {
    return this.whenReady().then(() => undefined);
  }

  /** Runs a command in the agent's container; `command` is a shell string (sh -c) or an argv. */
  async exec(pid: Pid, command: string | readonly string[], options: SandboxExecOptions = {}): Promise<ExecResult> {
    const workdir = resolveCwd(options.cwd);
    const timeoutMs = Math.min(options.timeoutMs ?? this.config.defaultTimeoutMs, this.config.maxTimeoutMs);
    const argv = typeof command === 'string' ? ['sh', '-c', command] : [...command];
    if (argv.length === 0 || argv[0] === '') throw new SandboxPathError('empty command');
    return this.withSlot(pid, options.network ?? false, async (slot, ready) => {
      // The staging layer is on the host's disk: a command writing past the quota is stopped while it runs.
      const disk = watchDisk(this.config.stateDir, slot.box.staging.upperDir, this.config.stagingQuotaBytes);
      const signal = options.signal ? AbortSignal.any([options.signal, disk.signal]) : disk.signal;
      let raw: RawExec;
      try {
        raw = await this.run(slot.box, { argv, user: this.config.user, workdir, env: ['HOME=/tmp'], timeoutMs, signal, capBytes: this.config.outputCapBytes });
      } finally {
        disk.dispose();
      }
      let killed: ExecResult['killed'] = raw.stopped;
      let message: string | null = raw.stopped === 'timeout' ? `timed out after ${timeoutMs} ms: killed` : raw.stopped === 'aborted' ? 'aborted: killed' : null;
      if (disk.exceededBytes !== null) {
        message = `killed: the command wrote ${formatSize(disk.exceededBytes)} or more to /workspace, over the staging quota of ${formatSize(this.config.stagingQuotaBytes)}`;
      }
      // 137 = SIGKILL, the OOM killer's signal: worth waiting for the event. Other failures: one quick look
      // (a child killed for memory under a parent that exits 1).
      const oom = !raw.stopped && raw.exitCode !== 0 && (await oomSince(ready.engine.docker, slot.box.container.id, raw.startedAt, raw.exitCode === 137 ? 200 : 0));
      if (oom) {
        killed = 'oom';
        message = `out of memory (limit ${mib(this.memoryLimit(pid))}): a process was killed`;
      } else if (raw.exitCode === 126 || raw.exitCode === 127) {
        // "not found" / OCI errors (e.g. a missing cwd) come on stderr, or on stdout from the engine
        message = lastLine(raw.stderr) ?? lastLine(raw.stdout);
      }
      const { stopped: _s, startedAt: _t, ...rest } = raw;
      return { ...rest, killed, message };
    });
  }

  /** The memory limit of the agent's container in bytes. */
  memoryLimit(pid: Pid): number {
    return this.memoryOverrides.get(pid) ?? this.config.limits.memoryBytes;
  }

  /** Changes the memory limit of the agent's (running) container; the configured limit comes back at release. */
  async setMemoryLimit(pid: Pid, bytes: number): Promise<void> {
    const slot = await this.slots.get(pid);
    if (!slot) throw new Error(`agent ${pid} has no sandbox container to change the memory limit of`);
    await slot.box.container.update({ Memory: bytes, MemorySwap: bytes });
    if (bytes === this.config.limits.memoryBytes) this.memoryOverrides.delete(pid);
    else this.memoryOverrides.set(pid, bytes);
  }

  /** A fingerprint of the agent's staging layer; pass it to `changes` to see only later changes. */
  async snapshot(pid: Pid): Promise<UpperSnapshot> {
    const slot = await this.slots.get(pid);
    return slot ? snapshotUpper(slot.box.staging) : new Map();
  }

  /** Files changed in the agent's staging layer vs. the real workspace, as diffs; `since` keeps only those touched after that snapshot. */
  async changes(pid: Pid, options: { since?: UpperSnapshot } = {}): Promise<StagedChange[]> {
    if (!this.slots.has(pid)) return [];
    return this.withSlot(pid, null, async (slot) => {
      const deadline = Date.now() + this.config.collectTimeoutMs;
      const staged = await readStaged(slot.box.staging, { ignore: this.config.ignore, probe: this.probe(slot.box), deadline });
      const changes = await buildChangeSet(this.config.workspace, staged, { quotaBytes: this.config.stagingQuotaBytes, untouchable: this.config.untouchable, deadline });
      if (!options.since) return changes;
      const since = options.since;
      const now = await snapshotUpper(slot.box.staging);
      return changes.filter((c) => touchedSince(since, now, c.path));
    });
  }

  /** Applies approved files to the real workspace; files changed there since the agent's staging began are conflicts. */
  async apply(pid: Pid, files: readonly StagedChange[]): Promise<ApplyResult> {
    const slot = await this.slots.get(pid);
    if (!slot) return { applied: [], conflicts: files.map((f) => ({ path: f.path, reason: 'the agent has no sandbox (released)' })) };
    return applyApproved(this.config.workspace, files, slot.baseline);
  }

  /** Throws away everything the agent's commands staged (after a quota or collect error): its view becomes the real workspace again. */
  async discard(pid: Pid): Promise<void> {
    if (!this.slots.has(pid)) return;
    await this.withSlot(pid, null, async (slot) => {
      await this.resetBox(slot.box);
      slot.baseline = takeBaseline();
    });
  }

  /** Ends the agent's sandbox: its container goes back to the pool (clean) or is removed, with its staging layer. */
  async release(pid: Pid): Promise<void> {
    const pending = this.slots.get(pid);
    if (!pending) return;
    this.slots.delete(pid);
    const slot = await pending.catch(() => undefined);
    const raised = this.memoryOverrides.delete(pid);
    if (!slot) return;
    await slot.queue.catch(() => undefined);
    // a pooled container goes back with the configured limit, whatever this agent was given
    if (raised && slot.fromPool) await slot.box.container.update({ Memory: this.config.limits.memoryBytes, MemorySwap: this.config.limits.memoryBytes }).catch(() => undefined);
    if (slot.fromPool && this.pool && !this.disposed) await this.pool.giveBack(slot.box);
    else await this.destroyBox(slot.box);
  }

  /** Removes labelled containers and volumes left by kernels that are no longer running. */
  async removeOrphans(): Promise<{ containers: number; volumes: number }> {
    const { docker } = (await this.whenReady()).engine;
    return removeOrphans(docker, this.config.session, (line) => this.log(line));
  }

  /** Releases every agent, empties the pool, removes this session's state. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await Promise.allSettled([...this.slots.keys()].map((pid) => this.release(pid)));
    await this.pool?.dispose();
    await rmdir(join(this.config.stateDir, this.config.session)).catch(() => undefined);
  }

  /** Number of warm containers ready (for diagnostics and benchmarks). */
  get warm(): number {
    return this.pool?.ready ?? 0;
  }

  /** Waits until the pool has finished refilling (tests and benchmarks). */
  async poolSettled(): Promise<void> {
    await this.pool?.settled();
  }

  // -------------------------------------------------------------------------------------------

  private whenReady(): Promise<Ready> {
    if (this.disposed) return Promise.reject(new Error('the sandbox was disposed'));
    this.ready ??= this.connect().catch((err: unknown) => {
      this.ready = undefined; // Docker may be started later: try again next time
      throw err;
    });
    return this.ready;
  }

  private async connect(): Promise<Ready> {
    const info = await stat(this.config.workspace).catch(() => null);
    if (!info?.isDirectory()) throw new Error(`sandbox workspace ${this.config.workspace} is not a directory: open a folder first`);
    const engine = await connectEngine(this.config.dockerHost, this.config.pingTimeoutMs);
    const choice = chooseImage(this.config.workspace, this.config.image);
    await assertImagePresent(engine.docker, choice);
    const removed = await removeOrphans(engine.docker, this.config.session, (line) => this.log(line));
    if (removed.containers || removed.volumes) this.log(`sandbox: removed ${removed.containers} orphan containers, ${removed.volumes} volumes`);
    const mode = this.config.execMode;
    const ready = { engine, image: choice.image, useRunner: mode === 'runner' || (mode === 'auto' && choice.source === 'default') };
    if (this.config.poolSize > 0) {
      this.pool = new WarmPool<Box>(
        { create: () => this.createBox(ready, 'pool', false), reset: (box) => this.resetBox(box), destroy: (box) => this.destroyBox(box) },
        this.config.poolSize,
        (err) => this.log(`sandbox pool: ${err.message}`),
      );
      this.pool.fill();
    }
    this.log(`sandbox: Docker ${engine.version} at ${engine.host}, image ${choice.image} (${choice.source})`);
    return ready;
  }

  /** Runs `fn` on the agent's slot after its earlier work; creates the slot on first use. `network` null: any. */
  private async withSlot<T>(pid: Pid, network: boolean | null, fn: (slot: Slot, ready: Ready) => Promise<T>): Promise<T> {
    const ready = await this.whenReady();
    let pending = this.slots.get(pid);
    if (!pending) {
      pending = this.createSlot(ready, pid, network ?? false);
      this.slots.set(pid, pending);
      pending.catch(() => this.slots.delete(pid));
    }
    const slot = await pending;
    const run = slot.queue.catch(() => undefined).then(async () => {
      if (network !== null && slot.box.network !== network) await this.switchNetwork(ready, slot, network);
      return fn(slot, ready);
    });
    slot.queue = run;
    return run;
  }

  private async createSlot(ready: Ready, pid: Pid, network: boolean): Promise<Slot> {
    const warm = network ? undefined : this.pool?.take();
    const box = warm ?? (await this.createBox(ready, String(pid), network));
    // The baseline starts when the agent gets its view of the workspace, not when the container was made.
    return { box, baseline: takeBaseline(), fromPool: !!warm, queue: Promise.resolve() };
  }

  private async createBox(ready: Ready, pidLabel: string, network: boolean): Promise<Box> {
    const { docker } = ready.engine;
    const name = `aios-${this.config.session.replace(/[^a-zA-Z0-9_.-]/g, '').slice(0, 12)}-${++this.counter}-${randomBytes(3).toString('hex')}`;
    const labels = sandboxLabels(this.config.session, pidLabel, this.hostTag);
    const staging = await createStaging(docker, {
      workspace: this.config.workspace,
      dir: join(this.config.stateDir, this.config.session, name),
      volume: name,
      labels,
      owner: parseUser(this.config.user),
    });
    try {
      const container = await docker.createContainer({ name, ...containerSpec(this.config, ready.image, staging.volume, labels, network, ready.useRunner) });
      const box: Box = { name, container, staging, network, running: false, runner: null, useRunner: ready.useRunner };
      await this.ensureRunning(box);
      return box;
    } catch (err) {
      await docker.getContainer(name).remove({ force: true }).catch(() => undefined);
      await removeStaging(docker, staging, ready.image).catch(() => undefined);
      throw err;
    }
  }

  /**
   * Starts the container if needed, and attaches to its main process (the runner, or the idle
   * shell of the api mode); a dead runner means a restart. The attached connection is the
   * container's lifeline: when this process ends, its stdin closes and the container stops.
   */
  private async ensureRunning(box: Box): Promise<void> {
    if (box.running && box.runner?.alive) return;
    if (box.running) await this.kill(box); // the runner died (killed by a command?): start clean
    try {
      await box.container.start();
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 304) throw err; // 304: already started
    }
    box.running = true;
    box.runner = await RunnerClient.attach(box.container);
  }

  /** Kills the container and waits until it has stopped (the staging volume survives). */
  private async kill(box: Box): Promise<void> {
    box.running = false;
    box.runner?.close();
    box.runner = null;
    await box.container.kill({ signal: 'SIGKILL' }).catch(() => undefined);
    await box.container.wait({ condition: 'not-running' }).catch(() => undefined);
  }

  /**
   * Runs one command in the box, by runner or by Docker exec. Afterwards nothing the command
   * started is left running: the runner kills every other process; a Docker exec is followed by
   * a reaper exec; a runner that died takes its container down with it.
   */
  private async run(box: Box, request: ExecRequest): Promise<RawExec> {
    await this.ensureRunning(box);
    if (box.useRunner && box.runner) {
      const raw = await box.runner.run(request, () => this.kill(box));
      if (!box.runner?.alive) await this.kill(box);
      return raw;
    }
    let raw: RawExec;
    try {
      raw = await runExec(box.container, request, () => this.kill(box));
    } catch (err) {
      // 409: the container stopped under us (a command killed its main process): restart, retry once.
      if ((err as { statusCode?: number }).statusCode !== 409) throw err;
      box.running = false;
      await this.ensureRunning(box);
      raw = await runExec(box.container, request, () => this.kill(box));
    }
    if (box.running) {
      const reaped = await runExec(box.container, { argv: ['sh', '-c', REAPER], user: this.config.user, workdir: '/', env: [], timeoutMs: 10_000, capBytes: 1024 }, () => this.kill(box)).catch(() => null);
      if (!reaped || reaped.exitCode !== 0) await this.kill(box);
    }
    return raw;
  }

  /** Stops the container (unmounting the staging volume), empties the staging layer, starts again. */
  private async resetBox(box: Box): Promise<void> {
    await this.kill(box);
    await waitUnmounted(box.staging.upperDir);
    await resetStaging(box.staging);
    await this.ensureRunning(box);
  }

  private async destroyBox(box: Box): Promise<void> {
    const ready = await this.ready?.catch(() => undefined);
    if (!ready) return;
    box.runner?.close();
    await box.container.remove({ force: true }).catch(() => undefined);
    await removeStaging(ready.engine.docker, box.staging, ready.image).catch((err: Error) => this.log(`sandbox: ${err.message}`));
  }

  /** Replaces the agent's container by one with (or without) network, on the same staging volume. */
  private async switchNetwork(ready: Ready, slot: Slot, network: boolean): Promise<void> {
    const old = slot.box;
    old.runner?.close();
    await old.container.remove({ force: true });
    const labels = sandboxLabels(this.config.session, old.name, this.hostTag);
    const container = await ready.engine.docker.createContainer({ name: `${old.name}-n${network ? 1 : 0}`, ...containerSpec(this.config, ready.image, old.staging.volume, labels, network, ready.useRunner) });
    slot.box = { ...old, container, network, running: false, runner: null };
    slot.fromPool = false; // no longer the pool's standard shape
    await this.ensureRunning(slot.box);
  }

  /** Asks the container which paths it cannot see (see HiddenProbe). */
  private probe(box: Box): HiddenProbe {
    return async (paths) => {
      const script = 'for p do [ -e "$p" ] || [ -L "$p" ] || printf "%s\\0" "$p"; done';
      const raw = await this.run(box, {
        argv: ['sh', '-c', script, 'sh', ...paths.map((p) => `${WORKSPACE_MOUNT}/${p}`)],
        user: this.config.user,
        workdir: WORKSPACE_MOUNT,
        env: [],
        timeoutMs: 10_000,
        capBytes: 16 * 1024 * 1024,
      });
      return new Set(raw.stdout.split('\0').filter(Boolean).map((p) => p.slice(WORKSPACE_MOUNT.length + 1)));
    };
  }
}

/**
 * Kills every process of the container but init, the main process (the lowest other pid: it
 * started first) and itself. A process that fakes being the main one only gets the real main
 * process killed, which stops the container and everything in it.
 */
const REAPER = [
  'main=""',
  'for d in /proc/[0-9]*; do p=${d#/proc/}; [ "$p" = 1 ] && continue; if [ -z "$main" ] || [ "$p" -lt "$main" ]; then main=$p; fi; done',
  'for d in /proc/[0-9]*; do p=${d#/proc/}; [ "$p" = 1 ] || [ "$p" = "$main" ] || [ "$p" = "$$" ] || kill -9 "$p" 2>/dev/null; done',
  'exit 0',
].join('\n');

function lastLine(text: string): string | null {
  return text.trim().split('\n').pop()?.trim() || null;
}

/** Waits (bounded) until the engine has unmounted the overlay that uses `upperDir`. */
async function waitUnmounted(upperDir: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const mounts = await readFile('/proc/self/mounts', 'utf8').catch(() => '');
    if (!mounts.includes(`upperdir=${upperDir},`) && !mounts.includes(`upperdir=${upperDir} `)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`staging ${upperDir} still mounted after stopping its container`);
}
