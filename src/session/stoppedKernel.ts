/**
 * The kernel of a database no session runs on: no step loop, no models, no sandbox, agents not
 * restored. For one-off commands while nothing runs (`aios kill`, `aios eval --review`), wired
 * here beside KernelSession so the CLI builds no kernel of its own. It holds the kernel lock, so
 * no session opens on the database meanwhile.
 */
import { randomUUID } from 'node:crypto';
import { Kernel } from '../kernel/kernel';
import { SafetyLayer } from '../safety/safetyLayer';
import { KernelLock } from '../storage/kernelLock';
import { SafetyStore } from '../safety/store/safetyStore';
import type { SqliteStore } from '../storage/sqliteStore';
import { RulePolicy } from '../tools/policy';
import { ToolRegistry } from '../tools/registry';
import { createWorkspaceTools } from '../tools/workspace';
import { KernelSession } from './kernelSession';

export class StoppedKernel {
  readonly kernel: Kernel;
  private readonly disposables: Array<() => void> = [];

  private constructor(readonly store: SqliteStore, private readonly lock: KernelLock) {
    this.kernel = new Kernel({ store });
  }

  /** Claims the database's kernel lock (throws KernelLockedError naming a live kernel); `store` stays the caller's. */
  static claim(store: SqliteStore, dbPath: string): StoppedKernel {
    const lock = KernelLock.claim(store.connection, dbPath, randomUUID());
    try {
      return new StoppedKernel(store, lock);
    } catch (err) {
      lock.release();
      throw err;
    }
  }

  /**
   * The safety layer with its improvement loop, to review proposals on a terminal: no heartbeat,
   * no loop timer; L1 replays run in throw-away sessions on copies of `workspace` (none: built-in
   * tasks only). Workspace tools are rooted at `toolsRoot`.
   */
  reviewSafety(session: string, workspace: string | undefined, toolsRoot: string): SafetyLayer {
    const policy = new RulePolicy({ store: this.store, session });
    const tools = new ToolRegistry();
    for (const t of createWorkspaceTools({ root: toolsRoot })) tools.register(t);
    const safety = new SafetyLayer({
      kernel: this.kernel, store: this.store, db: new SafetyStore(this.store), policy, tools, session, workspace: workspace ?? '',
      options: { heartbeat: false, loopIntervalMs: 0 },
      openReplay: KernelSession.replays(),
    });
    this.disposables.push(() => safety.dispose());
    return safety;
  }

  /** Writes what the kernel queued and gives the lock up; the store stays open. */
  release(): void {
    try {
      for (const d of this.disposables.splice(0).reverse()) d();
      this.kernel.events.flush();
    } finally {
      this.lock.release();
    }
  }
}
