import { describe, expect, it } from 'vitest';
import { AdaptivePacer } from '../../../src/main/services/coverage/pacer';

/** Takes `n` tokens and returns the elapsed ms. */
async function take(pacer: AdaptivePacer, n: number, signal?: AbortSignal): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < n; i++) await pacer.acquire(signal);
  return performance.now() - started;
}

describe('AdaptivePacer', () => {
  it('paces at its rate when it cannot grow', async () => {
    const pacer = new AdaptivePacer({ initialRate: 100, maxRate: 100 });
    const ms = await take(pacer, 31);
    // 30 intervals of 10 ms after the first token.
    expect(ms).toBeGreaterThan(250);
    expect(ms).toBeLessThan(600);
  });

  it('doubles its rate in slow start while it is the bottleneck', async () => {
    const pacer = new AdaptivePacer({ initialRate: 50, growEveryMs: 100 });
    await take(pacer, 40);
    expect(pacer.stats().rate).toBeGreaterThanOrEqual(200);
    expect(pacer.stats().slowStart).toBe(true);
  });

  it('on a 429 pauses everyone for Retry-After, halves the rate once, and ignores 429s of requests sent before the pause', async () => {
    const pacer = new AdaptivePacer({ initialRate: 400, growEveryMs: 60_000, probeEveryMs: 60_000, pauseJitter: 0 });
    const sentBefore = pacer.stamp();
    pacer.onThrottle(sentBefore, 150);
    expect(pacer.stats()).toMatchObject({ rate: 200, slowStart: false, throttleEvents: 1 });
    // A second 429 for a request already in flight: same congestion, no further decrease.
    pacer.onThrottle(sentBefore, 150);
    expect(pacer.stats()).toMatchObject({ rate: 200, throttleEvents: 1 });
    const waited = await take(pacer, 1);
    expect(waited).toBeGreaterThanOrEqual(140);
    // A 429 for a request sent after the pause is a new signal: multiplicative decrease.
    pacer.onThrottle(pacer.stamp(), 0);
    expect(pacer.stats().rate).toBeCloseTo(170, 5);
    expect(pacer.stats().throttleEvents).toBe(2);
  });

  it('never exceeds maxRate', async () => {
    const pacer = new AdaptivePacer({ initialRate: 1000, maxRate: 40, growEveryMs: 10 });
    const ms = await take(pacer, 11);
    expect(pacer.stats().rate).toBe(40);
    expect(ms).toBeGreaterThan(200);
  });

  it('rejects a waiting acquisition when the signal aborts, without blocking the next ones', async () => {
    const pacer = new AdaptivePacer({ initialRate: 1, maxRate: 1 });
    await pacer.acquire();
    const controller = new AbortController();
    const waiting = pacer.acquire(controller.signal);
    controller.abort(new Error('cancelled'));
    await expect(waiting).rejects.toThrow('cancelled');
    pacer.onThrottle(-1, 0); // stale: no change
    expect(pacer.stats().throttleEvents).toBe(0);
  });
});

describe('AdaptivePacer learning', () => {
  it('settles just under the rate the tenant admitted between two congestion events', async () => {
    const pacer = new AdaptivePacer({ initialRate: 1000, pauseJitter: 0, settle: 0.97, decrease: 0.85 });
    pacer.onThrottle(pacer.stamp(), 0); // first event: ends slow start, 1000 -> 500
    expect(pacer.stats().rate).toBe(500);
    const from = performance.now();
    for (let i = 0; i < 60; i++) pacer.onAdmitted();
    await new Promise((r) => setTimeout(r, 300));
    pacer.onThrottle(pacer.stamp(), 0);
    const seconds = (performance.now() - from) / 1000;
    // 60 admitted in ~0.3 s is ~200/s: far below 500 * 0.85, so the measurement wins.
    expect(pacer.stats().rate).toBeGreaterThan((60 / seconds) * 0.97 * 0.9);
    expect(pacer.stats().rate).toBeLessThanOrEqual((60 / seconds) * 0.97 + 1);
  });
});
