import { AppError } from '@shared/errors';
import { sleep, type AdaptivePacer } from './pacer';
import type { CallResult } from './transport';

/**
 * Sends one read-only request through the pacer until it succeeds or its failure is final. It owns
 * the retry policy: 429s slow the pacer down and wait the Retry-After; 5xx, resets and timeouts are
 * sent again with jittered backoff (every call is a GET, so that is always safe); a run of failures
 * across users pauses everyone (the tenant is down, not this user); a long outage, or credentials
 * the tenant rejects, stop the whole run (resumable) instead of failing every row.
 */

/** Retry policy. */
export interface RetryPolicy {
  /** Attempts per request for 5xx, resets and timeouts before the user's row fails. */
  maxAttempts: number;
  /** 429s one request may collect before its row fails (the pacer adapts long before). */
  maxThrottles: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Wait assumed when a 429 carries no Retry-After. */
  defaultThrottleMs: number;
  /** Failures in a row, across users, after which the tenant looks down and everyone pauses. */
  outageStreak: number;
  /** With no success for this long while failing, the run stops (resumable) instead of failing every row. */
  outageGiveUpMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 6,
  maxThrottles: 50,
  baseDelayMs: 200,
  maxDelayMs: 10_000,
  defaultThrottleMs: 1_000,
  outageStreak: 10,
  outageGiveUpMs: 120_000,
};

/** Thrown to stop the whole run; carries the AppError to report. */
export class Fatal extends Error {
  constructor(readonly appError: AppError) {
    super(appError.message);
  }
}

/** How one request ended, for the row: its value, or why the row fails (`notFound` for a 404). */
export type CallOutcome<T> = { ok: true; value: T } | { ok: false; reason: string; notFound?: boolean };

/** Request counters of a session. */
export interface RequestStats {
  sent: number;
  http429: number;
  retries: number;
  transientFailures: number;
}

export class RetryingCaller {
  readonly stats: RequestStats = { sent: 0, http429: 0, retries: 0, transientFailures: 0 };
  private failStreak = 0;
  private lastSuccess = performance.now();
  private outagePauses = 0;

  constructor(
    private readonly pacer: AdaptivePacer,
    private readonly retry: RetryPolicy,
    private readonly signal: AbortSignal,
    /** Called once with the error that stops the run; the caller aborts everything. */
    private readonly stopRun: (error: AppError) => void,
  ) {}

  async call<T>(send: (signal: AbortSignal) => Promise<CallResult<T>>): Promise<CallOutcome<T>> {
    let attempts = 0;
    let throttles = 0;
    for (;;) {
      await this.pacer.acquire(this.signal);
      const sentAt = this.pacer.stamp();
      this.stats.sent++;
      const result = await send(this.signal);
      if (result.kind !== 'throttled') this.pacer.onAdmitted();
      switch (result.kind) {
        case 'ok':
          this.failStreak = 0;
          this.outagePauses = 0;
          this.lastSuccess = performance.now();
          return { ok: true, value: result.value };
        case 'throttled':
          this.stats.http429++;
          throttles++;
          this.pacer.onThrottle(sentAt, result.retryAfterMs ?? this.retry.defaultThrottleMs);
          if (throttles >= this.retry.maxThrottles) return { ok: false, reason: `rate-limited: still rate limited after ${throttles} attempts` };
          this.stats.retries++;
          continue;
        case 'transient':
          attempts++;
          if (!(await this.afterTransient(attempts, result.retryAfterMs, result.detail))) {
            return { ok: false, reason: `unavailable: ${result.detail} after ${attempts} attempts` };
          }
          continue;
        case 'denied':
          return this.stop(
            new AppError(
              result.status === 401 ? 'unauthorized' : 'forbidden',
              `The tenant rejected the Server API secret (${result.status}). Check the secret and the region of the active tenant, then resume the run with --resume.`,
            ),
          );
        case 'rejected':
          if (result.status === 404) return { ok: false, notFound: true, reason: 'not-found: Authsignal has no user with this id (HTTP 404)' };
          return { ok: false, reason: `rejected: HTTP ${result.status}${result.detail ? ` (${result.detail})` : ''}` };
        case 'bad-response':
          return { ok: false, reason: `bad-response: ${result.detail}` };
      }
    }
  }

  /** Books a transient failure and waits before the next attempt; false when the row should fail now. */
  private async afterTransient(attempts: number, retryAfterMs: number | null, detail: string): Promise<boolean> {
    this.stats.transientFailures++;
    this.failStreak++;
    if (performance.now() - this.lastSuccess > this.retry.outageGiveUpMs) {
      const seconds = Math.round(this.retry.outageGiveUpMs / 1000);
      this.stop(new AppError('unavailable', `The tenant has not answered successfully for ${seconds} s (last: ${detail}). The run stopped; continue it later with --resume.`));
    }
    if (this.failStreak >= this.retry.outageStreak) {
      // Many failures in a row across users: the tenant is down, not this user. Everyone waits
      // (growing) instead of burning every row's attempts.
      this.outagePauses++;
      this.pacer.pause(Math.min(30_000, 1_000 * 2 ** Math.min(this.outagePauses, 5)));
      this.failStreak = 0;
    }
    if (attempts >= this.retry.maxAttempts) return false;
    // Full jitter: spread retries so they do not arrive together; never sooner than Retry-After.
    const backoff = Math.random() * Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** attempts);
    await sleep(Math.max(retryAfterMs ?? 0, backoff), this.signal);
    this.stats.retries++;
    return true;
  }

  private stop(error: AppError): never {
    this.stopRun(error);
    throw new Fatal(error);
  }
}
