/**
 * A token bucket refilled continuously: `capacity` tokens per minute, starting full.
 * `Infinity` capacity never limits. Time is passed in, so it is deterministic.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(private capacity: number, now: number) {
    this.tokens = capacity;
    this.last = now;
  }

  get limit(): number {
    return this.capacity;
  }

  setCapacity(capacity: number, now: number): void {
    this.refill(now);
    this.capacity = capacity;
    this.tokens = Math.min(this.tokens, capacity);
  }

  available(now: number): number {
    this.refill(now);
    return this.tokens;
  }

  /** ms until `n` tokens are available (0 when they are now). Requests above capacity wait for a full bucket. */
  waitFor(n: number, now: number): number {
    if (this.capacity === Infinity) return 0;
    this.refill(now);
    const need = Math.min(n, this.capacity);
    if (this.tokens >= need) return 0;
    return Math.ceil(((need - this.tokens) * 60_000) / this.capacity);
  }

  /** Takes `n` tokens (the balance may go negative: a debt repaid by the refill). */
  take(n: number, now: number): void {
    if (this.capacity === Infinity) return;
    this.refill(now);
    this.tokens -= n;
  }

  private refill(now: number): void {
    if (this.capacity === Infinity) return;
    const dt = now - this.last;
    if (dt > 0) {
      this.tokens = Math.min(this.capacity, this.tokens + (dt * this.capacity) / 60_000);
      this.last = now;
    }
  }
}
