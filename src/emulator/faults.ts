import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorBody, sendJson } from './http';
import type { FaultSettings } from './options';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Defaults: a perfect network. */
export const NO_FAULTS: FaultSettings = { latencyMs: 0, jitterMs: 0, rateLimit: 0, errorRate: 0, resetRate: 0 };

/** Counters the bench and tests read back. */
export interface FaultStats {
  requests: number;
  rateLimited: number;
  serverErrors: number;
  resets: number;
}

/**
 * Fault injection for the API routes: latency with jitter, a token-bucket rate limit answered with
 * 429 + Retry-After, random 5xx and connection resets. Changeable at runtime.
 */
export class Faults {
  private settings: FaultSettings;
  private tokens = 0;
  private last = Date.now();
  readonly stats: FaultStats = { requests: 0, rateLimited: 0, serverErrors: 0, resets: 0 };
  /** Whether a 429 says when to retry (the strict profile sends no Retry-After: it is undocumented). */
  sendsRetryAfter = true;

  constructor(
    initial: Partial<FaultSettings> = {},
    private readonly random: () => number = Math.random,
  ) {
    this.settings = { ...NO_FAULTS };
    this.set(initial);
  }

  /** Current settings. */
  get(): FaultSettings {
    return { ...this.settings };
  }

  /** Changes some settings; the rate-limit bucket starts full. */
  set(partial: Partial<FaultSettings>): FaultSettings {
    this.settings = { ...this.settings, ...Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) };
    this.tokens = this.settings.rateLimit;
    this.last = Date.now();
    return this.get();
  }

  /** Takes one token; returns 0 when allowed, else the seconds to wait. */
  private take(): number {
    const rate = this.settings.rateLimit;
    if (rate <= 0) return 0;
    const now = Date.now();
    this.tokens = Math.min(rate, this.tokens + ((now - this.last) / 1000) * rate);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - this.tokens) / rate));
  }

  /**
   * Applies the faults to one request. Returns true when the fault answered (or killed) the
   * request and the route must not run.
   */
  async apply(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    this.stats.requests++;
    const { latencyMs, jitterMs, errorRate, resetRate } = this.settings;
    // The rate limit is decided on arrival, as a gateway would, then the latency is paid.
    const wait = this.take();
    const delay = latencyMs + (jitterMs > 0 ? this.random() * jitterMs : 0);
    if (delay > 0) await sleep(delay);
    if (resetRate > 0 && this.random() < resetRate) {
      this.stats.resets++;
      // A TCP RST, as a flaky load balancer would send.
      if (typeof req.socket.resetAndDestroy === 'function') req.socket.resetAndDestroy();
      else req.socket.destroy();
      return true;
    }
    if (wait > 0) {
      this.stats.rateLimited++;
      if (this.sendsRetryAfter) {
        sendJson(res, 429, errorBody('too_many_requests', 'Too many requests. Retry after the time given in Retry-After.'), {
          'retry-after': String(wait),
        });
      } else {
        sendJson(res, 429, errorBody('too_many_requests', 'Too many requests. Slow down and try again.'));
      }
      return true;
    }
    if (errorRate > 0 && this.random() < errorRate) {
      this.stats.serverErrors++;
      const status = this.random() < 0.5 ? 500 : 503;
      sendJson(res, status, errorBody('internal_error', 'The service had a temporary problem. Try again.'));
      return true;
    }
    return false;
  }
}
