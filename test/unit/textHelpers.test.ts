/** The pure helpers every folder shares: the byte formatter and the throttle. */
import assert from 'node:assert/strict';
import { formatBytes } from '../../src/text/bytes';
import { Throttle, type ThrottleTimers } from '../../src/text/throttle';

describe('text helpers: formatBytes', () => {
  it('prints bytes below 1 KiB as bytes, and switches unit at exactly 1024', () => {
    assert.equal(formatBytes(0), '0 B');
    assert.equal(formatBytes(1), '1 B');
    assert.equal(formatBytes(1023), '1023 B');
    assert.equal(formatBytes(1024), '1 KiB');
    assert.equal(formatBytes(1536), '1.5 KiB');
    assert.equal(formatBytes(12_345), '12.1 KiB');
  });

  it('keeps one decimal below 100 of a unit, none for whole values or from 100 up', () => {
    assert.equal(formatBytes(256 * 2 ** 20), '256 MiB');
    assert.equal(formatBytes(32 * 2 ** 20), '32 MiB');
    assert.equal(formatBytes(2 * 2 ** 20 + 6), '2 MiB', 'rounds to a whole number: no ".0"');
    assert.equal(formatBytes(2.1 * 2 ** 30), '2.1 GiB');
    assert.equal(formatBytes(150.4 * 1024), '150 KiB');
  });

  it('never prints 1024 of a unit: carries to the next one', () => {
    assert.equal(formatBytes(1024 * 1024 - 1), '1 MiB');
    assert.equal(formatBytes(2 ** 30 - 1), '1 GiB');
  });

  it('handles huge, negative and non-finite sizes', () => {
    assert.equal(formatBytes(2 ** 40), '1 TiB');
    assert.equal(formatBytes(2 ** 60), '1 EiB');
    assert.equal(formatBytes(2 ** 70), '1024 EiB', 'past the last unit the number grows');
    assert.equal(formatBytes(-1536), '-1.5 KiB');
    assert.equal(formatBytes(-1), '-1 B');
    assert.equal(formatBytes(0.4), '0 B');
    assert.equal(formatBytes(Number.NaN), 'NaN B');
    assert.equal(formatBytes(Number.POSITIVE_INFINITY), 'Infinity B');
  });
});

/** Timers advanced by hand; `live` says how many are scheduled. */
class FakeTimers implements ThrottleTimers {
  t = 0;
  private jobs: { at: number; fn: () => void }[] = [];
  after = (ms: number, fn: () => void) => {
    const j = { at: this.t + ms, fn };
    this.jobs.push(j);
    return { dispose: () => void (this.jobs = this.jobs.filter((x) => x !== j)) };
  };
  now = () => this.t;
  get live(): number {
    return this.jobs.length;
  }
  async advance(ms: number) {
    this.t += ms;
    for (const j of this.jobs.filter((x) => x.at <= this.t)) {
      this.jobs = this.jobs.filter((x) => x !== j);
      j.fn();
    }
    await new Promise((r) => setImmediate(r));
  }
}

describe('text helpers: Throttle', () => {
  it('runs at once, then at most once per interval, and once more after the last trigger', async () => {
    const timers = new FakeTimers();
    let runs = 0;
    const t = new Throttle(async () => void runs++, 250, { timers });
    t.trigger();
    await timers.advance(0);
    assert.equal(runs, 1);
    for (let i = 0; i < 100; i++) t.trigger();
    await timers.advance(100);
    assert.equal(runs, 1);
    await timers.advance(150);
    assert.equal(runs, 2, 'the trailing call of the burst is delivered');
    await timers.advance(1000);
    assert.equal(runs, 2);
    t.trigger();
    assert.equal(runs, 3, 'idle for longer than the interval: runs at once');
    await timers.advance(0);
    t.dispose();
    t.trigger();
    await timers.advance(1000);
    assert.equal(runs, 3);
  });

  it('never runs a slow job twice at once; a trigger during it runs once after it', async () => {
    const timers = new FakeTimers();
    let running = 0;
    let most = 0;
    let runs = 0;
    let release: () => void = () => {};
    const t = new Throttle(async () => {
      runs++;
      running++;
      most = Math.max(most, running);
      await new Promise<void>((r) => (release = r));
      running--;
    }, 10, { timers });
    t.trigger();
    for (let i = 0; i < 5; i++) t.trigger();
    await timers.advance(100);
    assert.equal(runs, 1);
    release();
    await timers.advance(0);
    await timers.advance(10);
    assert.equal(runs, 2);
    release();
    await timers.advance(100);
    assert.equal(most, 1);
    t.dispose();
  });

  it('keeps going after a failing job, sync or async', async () => {
    for (const job of [() => { throw new Error('host gone'); }, async () => { throw new Error('host gone'); }]) {
      const timers = new FakeTimers();
      let runs = 0;
      const t = new Throttle(() => { runs++; return job(); }, 10, { timers });
      t.trigger();
      await timers.advance(0);
      t.trigger();
      await timers.advance(20);
      assert.equal(runs, 2);
      t.dispose();
    }
  });

  it('deferred: a synchronous burst becomes one run on a 0 ms timer', async () => {
    const timers = new FakeTimers();
    let runs = 0;
    const t = new Throttle(() => void runs++, 100, { edge: 'deferred', timers });
    for (let i = 0; i < 1000; i++) t.trigger();
    assert.equal(runs, 0);
    await timers.advance(0);
    assert.equal(runs, 1);
    t.trigger();
    assert.equal(timers.live, 1, 'a synchronous job is over at once: the next trigger schedules');
    await timers.advance(99);
    assert.equal(runs, 1);
    await timers.advance(1);
    assert.equal(runs, 2);
    t.dispose();
  });

  it('trailing: every run waits a full interval after the first trigger of a burst', async () => {
    const timers = new FakeTimers();
    let runs = 0;
    const t = new Throttle(() => void runs++, 500, { edge: 'trailing', timers });
    await timers.advance(10_000);
    t.trigger();
    await timers.advance(499);
    t.trigger();
    assert.equal(runs, 0);
    await timers.advance(1);
    assert.equal(runs, 1);
    t.dispose();
  });

  it('flush runs a pending job now and cancels its timer; nothing pending, nothing runs', async () => {
    const timers = new FakeTimers();
    let runs = 0;
    const t = new Throttle(() => void runs++, 500, { edge: 'trailing', timers });
    t.flush();
    assert.equal(runs, 0);
    t.trigger();
    t.flush();
    assert.equal(runs, 1);
    assert.equal(timers.live, 0);
    t.dispose();
  });

  it('leaves no timer behind after dispose, with a trailing call pending', async () => {
    const timers = new FakeTimers();
    let runs = 0;
    const t = new Throttle(() => void runs++, 250, { timers });
    t.trigger();
    t.trigger();
    assert.equal(timers.live, 1);
    t.dispose();
    assert.equal(timers.live, 0);
    t.trigger();
    assert.equal(timers.live, 0);
    await timers.advance(1000);
    assert.equal(runs, 1);
  });

  it('with real timers, the trailing call arrives and no handle is left', async () => {
    const liveTimers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const calls: number[] = [];
    let delivered: () => void = () => {};
    const last = new Promise<void>((r) => (delivered = r));
    const t = new Throttle(() => {
      calls.push(Date.now());
      if (calls.length === 2) delivered();
    }, 20);
    t.trigger();
    t.trigger();
    await last;
    assert.equal(calls.length, 2);
    const before = liveTimers(); // mocha's own test timeout among them
    t.trigger();
    assert.equal(liveTimers(), before + 1, 'within the interval: the trailing call waits on a timer');
    t.dispose();
    assert.equal(liveTimers(), before, 'the pending trailing timer is cleared by dispose');
  });
});
