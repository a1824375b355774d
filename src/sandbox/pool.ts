/**
 * A warm pool of started containers for one image and workspace, so an agent's first command
 * does not pay for container creation. Refills in the background; a returned container gets
 * a clean staging area (and a fresh /tmp and process table) before it is handed out again.
 */

/** How the pool makes, cleans and destroys its items (the sandbox's containers). */
export interface PoolFactory<T> {
  create(): Promise<T>;
  /** makes a used item as good as new (stop, empty its staging layer, start) */
  reset(item: T): Promise<void>;
  destroy(item: T): Promise<void>;
}

/** Started containers kept ready. */
export class WarmPool<T> {
  private readonly idle: T[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private creating = 0;
  private disposed = false;
  /** the last refill failure, for diagnostics (refill stops retrying until the next take) */
  lastError: Error | null = null;

  constructor(private readonly factory: PoolFactory<T>, readonly size: number, private readonly onError: (err: Error) => void = () => {}) {}

  /** Number of ready items. */
  get ready(): number {
    return this.idle.length;
  }

  /** A ready item, or undefined when none is; starts a refill either way. */
  take(): T | undefined {
    const item = this.idle.shift();
    this.lastError = null;
    this.fill();
    return item;
  }

  /** Tops the pool up to its size in the background. */
  fill(): void {
    while (!this.disposed && !this.lastError && this.idle.length + this.creating < this.size) {
      this.creating++;
      this.track(
        this.factory.create().then(
          (item) => this.accept(item),
          (err: Error) => {
            this.lastError = err;
            this.onError(err);
          },
        ).finally(() => this.creating--),
      );
    }
  }

  /** Waits until no refill or reset is running (tests, benchmarks, dispose). */
  async settled(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  /** Takes back a used item: reset and keep it when there is room, else destroy it. */
  giveBack(item: T): Promise<void> {
    const work = (async () => {
      if (this.disposed || this.idle.length + this.creating >= this.size) return this.factory.destroy(item);
      try {
        await this.factory.reset(item);
      } catch (err) {
        this.onError(err as Error);
        return this.factory.destroy(item);
      }
      await this.accept(item);
    })();
    this.track(work);
    return work;
  }

  /** Destroys every ready item and stops refilling. */
  async dispose(): Promise<void> {
    this.disposed = true;
    await this.settled();
    await Promise.allSettled(this.idle.splice(0).map((item) => this.factory.destroy(item)));
  }

  private async accept(item: T): Promise<void> {
    if (this.disposed || this.idle.length >= this.size) await this.factory.destroy(item);
    else this.idle.push(item);
  }

  private track(work: Promise<void>): void {
    const tracked = work.catch(() => undefined).finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }
}
