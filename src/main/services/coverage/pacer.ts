/**
 * The coverage run's request pacer: a token bucket whose rate is learned from the tenant (AIMD, as
 * TCP does with its window), so a fan-out over thousands of users runs as fast as the tenant's rate
 * limit allows and not faster.
 *
 * - Slow start: the rate doubles every {@link PacerOptions.growEveryMs} while the pacer, not the
 *   tenant, is what holds requests back (from 50/s it passes 400/s within a second).
 * - A 429 is a congestion signal: every request pauses until its Retry-After has passed (the limit
 *   is tenant-wide, so the others would only collect 429s too), and the rate drops: by half at the
 *   end of slow start, by {@link PacerOptions.decrease} after that. Only a 429 for a request sent
 *   after the last pause counts; the ones already in flight when it began say nothing new.
 * - Learning the limit: the requests the tenant admitted between two congestion events, divided by
 *   the time between them (pause included), is the rate it sustains: what it refilled during the
 *   pause is spent right after it. From the second event on the rate drops to that measurement
 *   (a little under) rather than by a blind factor, so it settles just below the limit in one step.
 * - Without 429s the rate creeps back up by {@link PacerOptions.increase} each growth step, so it
 *   keeps probing just under the limit.
 * - The bucket holds up to {@link PacerOptions.burstSeconds} of tokens and keeps filling during a
 *   pause: a tenant that limits with a token bucket (most gateways do) refills during the pause too,
 *   and sending that refill right after it is what keeps throughput at the limit instead of losing
 *   the whole Retry-After each time.
 */
export interface PacerOptions {
  /** Requests per second to start with. */
  initialRate: number;
  /** Never slower than this. */
  minRate: number;
  /** Never faster than this (the tenant's known limit, when the person gave it). */
  maxRate: number;
  /** Seconds of tokens the bucket holds. */
  burstSeconds: number;
  /** How often the rate may double in slow start, in ms. */
  growEveryMs: number;
  /** How often the rate may creep up after slow start, in ms. */
  probeEveryMs: number;
  /** Factor applied on a 429 after slow start. */
  decrease: number;
  /** Relative growth per step after slow start. */
  increase: number;
  /** Share of the measured sustained rate to settle at after a congestion event. */
  settle: number;
  /** Extra random wait after a Retry-After, as a share of it (spreads clients apart). */
  pauseJitter: number;
  now: () => number;
  random: () => number;
}

/** What the pacer has observed; read by progress reports and the benchmark. */
export interface PacerStats {
  rate: number;
  slowStart: boolean;
  pausedUntil: number;
  throttleEvents: number;
}

const DEFAULTS: PacerOptions = {
  initialRate: 50,
  minRate: 1,
  maxRate: 100_000,
  burstSeconds: 1,
  growEveryMs: 250,
  probeEveryMs: 1_000,
  decrease: 0.85,
  increase: 0.02,
  settle: 0.97,
  pauseJitter: 0.1,
  now: () => performance.now(),
  random: Math.random,
};

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason as Error);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The adaptive token bucket. One per run; every request (retries included) takes a token. */
export class AdaptivePacer {
  private readonly o: PacerOptions;
  private rate: number;
  private tokens: number;
  private lastRefill: number;
  private slowStart = true;
  private pausedUntil = 0;
  /** When the current growth period started and whether anyone waited for a token in it. */
  private periodStart: number;
  private waitedThisPeriod = false;
  /** Acquisitions are served one at a time, in order. */
  private queue: Promise<void> = Promise.resolve();
  private throttleEvents = 0;
  /** Answers other than 429 since the last congestion event, and when that event was. */
  private admitted = 0;
  private lastEventAt: number | null = null;

  constructor(options: Partial<PacerOptions> = {}) {
    this.o = { ...DEFAULTS, ...options };
    this.rate = Math.min(this.o.maxRate, Math.max(this.o.minRate, this.o.initialRate));
    this.lastRefill = this.o.now();
    this.periodStart = this.lastRefill;
    // Start with one token, not a full bucket: nothing is known about the tenant yet.
    this.tokens = 1;
  }

  /** Current state, for progress and the benchmark. */
  stats(): PacerStats {
    return { rate: this.rate, slowStart: this.slowStart, pausedUntil: this.pausedUntil, throttleEvents: this.throttleEvents };
  }

  /** An answer other than 429 came back: the tenant admitted that request. */
  onAdmitted(): void {
    this.admitted++;
  }

  /** The time a request sent now is stamped with, to tell fresh 429s from stale ones. */
  stamp(): number {
    return this.o.now();
  }

  /** Waits for permission to send one request. Rejects when the signal aborts. */
  acquire(signal?: AbortSignal): Promise<void> {
    const next = this.queue.then(() => this.take(signal));
    // A rejected acquisition (abort) must not block the ones queued after it.
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async take(signal?: AbortSignal): Promise<void> {
    for (;;) {
      if (signal?.aborted) throw signal.reason as Error;
      const now = this.o.now();
      this.refill(now);
      this.maybeGrow(now);
      if (now < this.pausedUntil) {
        await sleep(this.pausedUntil - now, signal);
        continue;
      }
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      this.waitedThisPeriod = true;
      await sleep(Math.max(1, ((1 - this.tokens) / this.rate) * 1000), signal);
    }
  }

  private refill(now: number): void {
    const capacity = Math.max(1, this.rate * this.o.burstSeconds);
    this.tokens = Math.min(capacity, this.tokens + ((now - this.lastRefill) / 1000) * this.rate);
    this.lastRefill = now;
  }

  private maybeGrow(now: number): void {
    if (now - this.periodStart < (this.slowStart ? this.o.growEveryMs : this.o.probeEveryMs)) return;
    // Grow only when the pacer was the bottleneck: a rate nobody used proves nothing about the tenant.
    if (this.waitedThisPeriod && now >= this.pausedUntil) {
      const next = this.slowStart ? this.rate * 2 : this.rate + Math.max(1, this.rate * this.o.increase);
      this.rate = Math.min(this.o.maxRate, next);
    }
    this.periodStart = now;
    this.waitedThisPeriod = false;
  }

  /**
   * A 429 came back for a request sent at `sentAt`. Pauses everyone until `retryAfterMs` has passed
   * (plus jitter) and lowers the rate, once per congestion event.
   */
  onThrottle(sentAt: number, retryAfterMs: number): void {
    const now = this.o.now();
    const wait = Math.max(0, retryAfterMs);
    const until = now + wait + wait * this.o.pauseJitter * this.o.random();
    // A request sent before the last pause ended was sent into the same congestion: no new signal.
    const fresh = sentAt >= this.pausedUntil;
    if (until > this.pausedUntil) this.pausedUntil = until;
    if (!fresh) return;
    this.throttleEvents++;
    this.refill(now);
    let next: number;
    if (this.slowStart) {
      this.slowStart = false;
      next = this.rate / 2;
    } else {
      next = this.rate * this.o.decrease;
    }
    // The first measurement (since the start) includes the tenant's initial burst, so it only caps.
    if (this.lastEventAt !== null && now - this.lastEventAt > 250) {
      const sustained = (this.admitted * 1000) / (now - this.lastEventAt);
      next = Math.min(this.rate * this.o.decrease, sustained * this.o.settle);
    }
    this.rate = Math.min(this.o.maxRate, Math.max(this.o.minRate, next));
    this.lastEventAt = now;
    this.admitted = 0;
    this.tokens = Math.min(this.tokens, Math.max(1, this.rate * this.o.burstSeconds));
    this.periodStart = now;
    this.waitedThisPeriod = false;
  }

  /** Pauses everyone for `ms` without lowering the rate (the tenant looks down, not busy). */
  pause(ms: number): void {
    const until = this.o.now() + ms;
    if (until > this.pausedUntil) this.pausedUntil = until;
  }

  /** Milliseconds until the current pause ends (0 when not paused). */
  pausedForMs(): number {
    return Math.max(0, this.pausedUntil - this.o.now());
  }
}
