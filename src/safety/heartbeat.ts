/**
 * The heartbeat: on an interval, probes storage latency, computes system health from the
 * records, stores the sample, and raises `health.alert` when health is under the threshold
 * (once, then again only after a cool-down while it stays low).
 */
import type { Clock } from '../kernel/ports/clock';
import type { KernelEvent } from '../kernel/events';
import type { Disposable } from '../kernel/types';
import type { HealthSample } from './config';
import { health, type EvaluationSource } from './evaluation';
import type { HealthConfig } from './evaluator';

/** Heartbeat settings. */
export interface HeartbeatOptions {
  /** default 30 s */
  intervalMs: number;
  /** health under this raises an alert (default 60) */
  threshold: number;
  /** how far back health looks (default 15 min) */
  windowMs: number;
  /** while health stays low, alert again after this long (default 5 min) */
  alertCooldownMs: number;
  health?: HealthConfig;
}

export const DEFAULT_HEARTBEAT: HeartbeatOptions = { intervalMs: 30_000, threshold: 60, windowMs: 15 * 60_000, alertCooldownMs: 5 * 60_000 };

/** What the heartbeat reads and writes. */
export interface HeartbeatDeps {
  store: Pick<EvaluationSource, 'windowCounts'> & { probeLatency(now: number): number; addHealthSample(s: HealthSample): void };
  clock: Clock;
  emit(event: KernelEvent): void;
  /** every sample, after it is stored (the improvement loop's rollback watch listens here) */
  onSample?(sample: HealthSample): void;
  onError?(err: unknown): void;
}

/** Evaluates health on an interval. */
export class Heartbeat implements Disposable {
  readonly options: HeartbeatOptions;
  private timer: NodeJS.Timeout | null = null;
  private lastAlert: number | null = null;
  private low = false;

  constructor(private readonly deps: HeartbeatDeps, options: Partial<HeartbeatOptions> = {}) {
    this.options = { ...DEFAULT_HEARTBEAT, ...options };
  }

  start(): this {
    if (!this.timer && this.options.intervalMs > 0) {
      this.timer = setInterval(() => {
        try {
          this.beat();
        } catch (err) {
          this.deps.onError?.(err); // a busy or closed database must not take the kernel down; the next beat tries again
        }
      }, this.options.intervalMs);
      this.timer.unref();
    }
    return this;
  }

  /** One beat: probe, evaluate, store, maybe alert. Returns the sample. */
  beat(): HealthSample {
    const now = this.deps.clock.now();
    const storageMs = this.deps.store.probeLatency(now);
    // This beat's probe counts although its sample is stored only below.
    const h = health(
      { windowCounts: (from, to) => { const c = this.deps.store.windowCounts(from, to); return { ...c, storageMs: [...c.storageMs, storageMs] }; } },
      now,
      { healthWindowMs: this.options.windowMs, health: this.options.health },
    );
    const sample: HealthSample = { at: now, score: h.score, storageMs, components: h.components };
    this.deps.store.addHealthSample(sample);
    if (h.score < this.options.threshold) {
      if (!this.low || this.lastAlert === null || now - this.lastAlert >= this.options.alertCooldownMs) {
        const worst = [...h.components].sort((a, b) => b.penalty - a.penalty)[0];
        this.deps.emit({
          type: 'health.alert', score: h.score, threshold: this.options.threshold, worst: worst.id,
          message: `AIOS health is ${h.score}/100 (under ${this.options.threshold}); worst: ${worst.label} ${worst.value} ${worst.unit} (−${worst.penalty})`,
        });
        this.lastAlert = now;
      }
      this.low = true;
    } else {
      this.low = false;
    }
    this.deps.onSample?.(sample);
    return sample;
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
