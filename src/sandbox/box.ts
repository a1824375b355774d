/**
 * One sandbox container and its staging layer ("box"): creating it, keeping it running with its
 * runner attached, running a command in it (by runner or Docker exec) so nothing the command
 * started outlives it, resetting, switching its network, and removing it. DockerSandbox decides
 * which agent gets which box; this file knows how a box works.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { parseUser, type SandboxConfig } from './config';
import { containerSpec, sandboxLabels } from './containerSpec';
import type { Engine } from './engine';
import { runExec, type ExecRequest, type RawExec } from './exec';
import { RunnerClient } from './runner';
import { createStaging, removeStaging, resetStaging, type HiddenProbe, type Staging } from './staging';

/** Where agents see the workspace. */
export const WORKSPACE_MOUNT = '/workspace';

/** The engine, the image, and how commands run: what every box of a sandbox shares. */
export interface Ready {
  engine: Engine;
  image: string;
  /** commands go through the in-container runner (see runner.ts) */
  useRunner: boolean;
}

/** A started container and its staging layer. */
export interface Box {
  name: string;
  container: Docker.Container;
  staging: Staging;
  network: boolean;
  running: boolean;
  /** set when the container's main process is the runner (fast exec) */
  runner: RunnerClient | null;
  useRunner: boolean;
}

/** Makes, runs and removes the boxes of one sandbox session. */
export class Boxes {
  private counter = 0;
  private readonly hostTag = `${hostname()}:${process.pid}`;

  constructor(private readonly config: SandboxConfig, private readonly log: (line: string) => void) {}

  /** A new running box; `pidLabel` names its agent (or 'pool') in the container's labels. */
  async create(ready: Ready, pidLabel: string, network: boolean): Promise<Box> {
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
   * Runs one command in the box, by runner or by Docker exec. Afterwards nothing the command
   * started is left running: the runner kills every other process; a Docker exec is followed by
   * a reaper exec; a runner that died takes its container down with it.
   */
  async run(box: Box, request: ExecRequest): Promise<RawExec> {
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
  async reset(box: Box): Promise<void> {
    await this.kill(box);
    await waitUnmounted(box.staging.upperDir);
    await resetStaging(box.staging);
    await this.ensureRunning(box);
  }

  /** Removes the container and its staging layer. */
  async destroy(ready: Ready, box: Box): Promise<void> {
    box.runner?.close();
    await box.container.remove({ force: true }).catch(() => undefined);
    await removeStaging(ready.engine.docker, box.staging, ready.image).catch((err: Error) => this.log(`sandbox: ${err.message}`));
  }

  /** A box like `old`, on the same staging volume, with (or without) network; `old`'s container is removed. Its first run starts it. */
  async switchNetwork(ready: Ready, old: Box, network: boolean): Promise<Box> {
    old.runner?.close();
    await old.container.remove({ force: true });
    const labels = sandboxLabels(this.config.session, old.name, this.hostTag);
    const container = await ready.engine.docker.createContainer({ name: `${old.name}-n${network ? 1 : 0}`, ...containerSpec(this.config, ready.image, old.staging.volume, labels, network, ready.useRunner) });
    return { ...old, container, network, running: false, runner: null };
  }

  /** Asks the container which paths it cannot see (see HiddenProbe). */
  probe(box: Box): HiddenProbe {
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

/** Waits (bounded) until the engine has unmounted the overlay that uses `upperDir`. */
async function waitUnmounted(upperDir: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const mounts = await readFile('/proc/self/mounts', 'utf8').catch(() => '');
    if (!mounts.includes(`upperdir=${upperDir},`) && !mounts.includes(`upperdir=${upperDir} `)) return;
    await sleep(20);
  }
  throw new Error(`staging ${upperDir} still mounted after stopping its container`);
}
