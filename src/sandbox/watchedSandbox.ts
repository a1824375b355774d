/**
 * A sandbox watched by the safety layer (wired in the session): every command's end becomes a `sandbox.exec` event
 * (health counts failures), and a command killed for memory goes through the reactor's inline
 * OOM playbook, which may run it once more with more memory.
 */
import type { KernelEvent } from '../kernel/events';
import type { Pid } from '../kernel/types';
import type { ExecResult } from './exec';
import type { SandboxExecOptions } from './sandbox';
import type { CommandSandbox } from './runCommandTool';
import { formatBytes } from '../text/bytes';

/** A sandbox that can change one agent's memory limit (a container update). */
export interface MemoryControl {
  memoryLimit(pid: Pid): number;
  setMemoryLimit(pid: Pid, bytes: number): Promise<void>;
}

/** What a reaction to a command's end says: `retry` carries `detail.memoryBytes` (the safety reactor's firing). */
export interface SandboxReaction {
  outcome: string;
  detail: Record<string, unknown>;
}

/** What the watch needs. */
export interface SandboxWatchDeps {
  emit(event: KernelEvent): void;
  /** the reactor's inline entry (Reactor.handle with mode 'inline') */
  react(event: KernelEvent): SandboxReaction[];
  /** absent: OOM is reported, never retried */
  memory?: MemoryControl;
  /** the configured limit, reported in events when there is no MemoryControl */
  defaultMemoryBytes: number | null;
}

/** A CommandSandbox that reports every command and retries an out-of-memory one once when the reactor says so. */
export class WatchedSandbox implements CommandSandbox {
  constructor(private readonly inner: CommandSandbox, private readonly deps: SandboxWatchDeps) {}

  get config(): CommandSandbox['config'] {
    return this.inner.config;
  }

  async exec(pid: Pid, command: string | readonly string[], options?: SandboxExecOptions): Promise<ExecResult> {
    const memory = this.deps.memory?.memoryLimit(pid) ?? this.deps.defaultMemoryBytes;
    const first = await this.run(pid, command, options, memory);
    if (first.killed !== 'oom' || options?.signal?.aborted) return first;
    // Without a way to change the limit the reactor hears "unknown", so it records why it did not retry.
    const event: KernelEvent = { type: 'sandbox.exec', pid, exitCode: first.exitCode, killed: 'oom', durationMs: first.durationMs, memoryBytes: this.deps.memory ? memory : null };
    const retry = this.deps.react(event).find((f) => f.outcome === 'retry');
    const bytes = retry ? Number(retry.detail.memoryBytes) : NaN;
    if (!retry || !this.deps.memory || !(bytes > 0)) return first;
    // A command may change files: it runs again only if the developer says so, told it is a retry and why.
    const why = `this command ran out of memory at ${formatBytes(memory ?? 0)}; the retry would run it once more with ${formatBytes(bytes)}`;
    if (!options?.confirmRetry || !(await options.confirmRetry(why).catch(() => false))) {
      const note = `ran out of memory at ${formatBytes(memory ?? 0)}; not run again: ${options?.confirmRetry ? 'the retry was not approved' : 'no one could be asked to approve a retry'}`;
      return { ...first, message: first.message ? `${note}; ${first.message}` : note };
    }
    const control = this.deps.memory;
    await control.setMemoryLimit(pid, bytes);
    try {
      const second = await this.run(pid, command, options, bytes);
      const note = `ran out of memory at ${formatBytes(memory ?? 0)}; retried once with ${formatBytes(bytes)}`;
      return { ...second, message: second.message ? `${note}; ${second.message}` : note };
    } finally {
      if (memory !== null) await control.setMemoryLimit(pid, memory).catch(() => undefined);
    }
  }

  snapshot(pid: Pid): ReturnType<CommandSandbox['snapshot']> {
    return this.inner.snapshot(pid);
  }

  changes(pid: Pid, options?: Parameters<CommandSandbox['changes']>[1]): ReturnType<CommandSandbox['changes']> {
    return this.inner.changes(pid, options);
  }

  apply(pid: Pid, files: Parameters<CommandSandbox['apply']>[1]): ReturnType<CommandSandbox['apply']> {
    return this.inner.apply(pid, files);
  }

  discard(pid: Pid): Promise<void> {
    return this.inner.discard(pid);
  }

  private async run(pid: Pid, command: string | readonly string[], options: SandboxExecOptions | undefined, memory: number | null): Promise<ExecResult> {
    const started = Date.now();
    try {
      const r = await this.inner.exec(pid, command, options);
      this.deps.emit({ type: 'sandbox.exec', pid, exitCode: r.exitCode, killed: r.killed, durationMs: r.durationMs, memoryBytes: memory });
      return r;
    } catch (err) {
      this.deps.emit({ type: 'sandbox.exec', pid, exitCode: null, killed: 'error', durationMs: Date.now() - started, memoryBytes: memory });
      throw err;
    }
  }
}
