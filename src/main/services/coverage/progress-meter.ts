import type { CoverageProgress, CoverageState } from '@shared/domain/coverage';
import type { AppError } from '@shared/errors';

/**
 * The run's progress as people see it: rows done of the total, the pace over the last few seconds
 * and the time left at that pace, the rate the pacer allows, 429s and retries. Emitted every
 * `everyMs` while the run goes, and once more with its final state.
 */
export interface ProgressSource {
  runId: string;
  total: number;
  done(): number;
  failed(): number;
  invalid(): number;
  allowedRate(): number;
  throttled(): boolean;
  requests(): { http429: number; retries: number };
}

export class ProgressMeter {
  private readonly startedMs = performance.now();
  private readonly samples: Array<{ t: number; done: number }> = [];
  private timer: NodeJS.Timeout | undefined;
  private state: CoverageState = 'running';
  private error: string | undefined;

  constructor(
    private readonly source: ProgressSource,
    private readonly listener: ((progress: CoverageProgress) => void) | undefined,
  ) {}

  /** Emits now and then every `everyMs` until {@link end}. */
  start(everyMs: number): void {
    this.emit();
    this.timer = setInterval(() => this.emit(), everyMs);
  }

  stopTimer(): void {
    clearInterval(this.timer);
  }

  /** Stops the timer and emits the final progress (returned too). */
  end(state: CoverageState, error?: string): CoverageProgress {
    this.stopTimer();
    this.state = state;
    this.error = error;
    const last = this.snapshot();
    this.deliver(last);
    return last;
  }

  snapshot(): CoverageProgress {
    const t = performance.now();
    const done = this.source.done();
    this.samples.push({ t, done });
    while (this.samples.length > 2 && t - this.samples[0].t > 5_000) this.samples.shift();
    const first = this.samples[0];
    const rate = t - first.t > 200 ? ((done - first.done) * 1000) / (t - first.t) : 0;
    const total = this.source.total;
    const requests = this.source.requests();
    return {
      runId: this.source.runId,
      state: this.state === 'running' && this.source.throttled() ? 'throttled' : this.state,
      done,
      failed: this.source.failed(),
      invalid: this.source.invalid(),
      total,
      rowsPerSecond: Math.round(rate * 10) / 10,
      etaSeconds: rate > 0 ? Math.max(0, Math.round((total - done) / rate)) : null,
      allowedRate: Math.round(this.source.allowedRate() * 10) / 10,
      http429: requests.http429,
      retries: requests.retries,
      elapsedSeconds: Math.round((performance.now() - this.startedMs) / 100) / 10,
      ...(this.error ? { error: this.error } : {}),
    };
  }

  private emit(): void {
    this.deliver(this.snapshot());
  }

  private deliver(progress: CoverageProgress): void {
    try {
      this.listener?.(progress);
    } catch {
      // A listener's failure must not stop the run.
    }
  }
}

/** The progress event that closes a console run: its last progress, or one made up from its error. */
export function finalProgress(runId: string, last: CoverageProgress | null, error: AppError | null): CoverageProgress {
  const base: CoverageProgress = last ?? {
    runId,
    state: 'failed',
    done: 0,
    failed: 0,
    invalid: 0,
    total: null,
    rowsPerSecond: 0,
    etaSeconds: null,
    allowedRate: 0,
    http429: 0,
    retries: 0,
    elapsedSeconds: 0,
  };
  if (!error) return base;
  return { ...base, state: base.state === 'cancelled' ? 'cancelled' : 'failed', error: error.message };
}

