/**
 * DockerSandbox: one locked-down container per agent, created lazily (or taken warm from the
 * pool), with the workspace at /workspace through a per-agent staging layer. Commands run as
 * Engine API execs; what they change comes back as diffs; approved files are applied here.
 */
import { rmdir, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Pid } from '../kernel/types';
import { Boxes, WORKSPACE_MOUNT, type Box, type Ready } from './box';
import { applyApproved, takeBaseline, type ApplyResult, type Baseline } from './changeApply';
import { buildChangeSet, type StagedChange } from './changeSet';
import { resolveConfig, type SandboxConfig, type SandboxOptions } from './config';
import { watchDisk } from './diskWatch';
import { connectEngine } from './engine';
import { oomSince, type ExecResult, type RawExec } from './exec';
import { assertImagePresent, chooseImage } from './image';
import { removeOrphans } from './orphans';
import { WarmPool } from './pool';
import { readStaged, snapshotUpper, touchedSince, type UpperSnapshot } from './staging';
import { formatBytes } from '../text/bytes';


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
  /** asks the developer before the command runs again (a retry after running out of memory); absent: never retried */
  confirmRetry?: (why: string) => Promise<boolean>;
}

/** An agent's sandbox: its box, its baseline, and a queue so its commands run one at a time. */
interface Slot {
  box: Box;
  baseline: Baseline;
  fromPool: boolean;
  queue: Promise<unknown>;
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
  private readonly boxes: Boxes;
  private disposed = false;
  /** memory limits raised for one agent (the reactor's out-of-memory retry) */
  private readonly memoryOverrides = new Map<Pid, number>();

  constructor(options: SandboxOptions, private readonly log: (line: string) => void = () => {}) {
    this.config = resolveConfig(options);
    this.boxes = new Boxes(this.config, log);
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
        raw = await this.boxes.run(slot.box, { argv, user: this.config.user, workdir, env: ['HOME=/tmp'], timeoutMs, signal, capBytes: this.config.outputCapBytes });
      } finally {
        disk.dispose();
      }
      let killed: ExecResult['killed'] = raw.stopped;
      let message: string | null = raw.stopped === 'timeout' ? `timed out after ${timeoutMs} ms: killed` : raw.stopped === 'aborted' ? 'aborted: killed' : null;
      if (disk.exceededBytes !== null) {
        message = `killed: the command wrote ${formatBytes(disk.exceededBytes)} or more to /workspace, over the staging quota of ${formatBytes(this.config.stagingQuotaBytes)}`;
      }
      // 137 = SIGKILL, the OOM killer's signal: worth waiting for the event. Other failures: one quick look
      // (a child killed for memory under a parent that exits 1).
      const oom = !raw.stopped && raw.exitCode !== 0 && (await oomSince(ready.engine.docker, slot.box.container.id, raw.startedAt, raw.exitCode === 137 ? 200 : 0));
      if (oom) {
        killed = 'oom';
        message = `out of memory (limit ${formatBytes(this.memoryLimit(pid))}): a process was killed`;
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
      const staged = await readStaged(slot.box.staging, { ignore: this.config.ignore, probe: this.boxes.probe(slot.box), deadline });
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
      await this.boxes.reset(slot.box);
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
        { create: () => this.boxes.create(ready, 'pool', false), reset: (box) => this.boxes.reset(box), destroy: (box) => this.destroyBox(box) },
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
    const box = warm ?? (await this.boxes.create(ready, String(pid), network));
    // The baseline starts when the agent gets its view of the workspace, not when the container was made.
    return { box, baseline: takeBaseline(), fromPool: !!warm, queue: Promise.resolve() };
  }

  private async destroyBox(box: Box): Promise<void> {
    const ready = await this.ready?.catch(() => undefined);
    if (ready) await this.boxes.destroy(ready, box);
  }

  /** Replaces the agent's container by one with (or without) network, on the same staging volume. */
  private async switchNetwork(ready: Ready, slot: Slot, network: boolean): Promise<void> {
    slot.box = await this.boxes.switchNetwork(ready, slot.box, network);
    slot.fromPool = false; // no longer the pool's standard shape
  }
}

function lastLine(text: string): string | null {
  return text.trim().split('\n').pop()?.trim() || null;
}
