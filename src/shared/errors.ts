import { z } from 'zod';

/**
 * Every failure Authdesk reports is one of these codes. A union (not an enum) so it
 * serialises as itself across IPC, HTTP and the CLI's `--json` output.
 */
export const ERROR_CODES = [
  'validation',
  'not-found',
  'unauthorized',
  'forbidden',
  'rate-limited',
  'unavailable',
  'keychain-unavailable',
  'conflict',
  'expired',
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];
export const ErrorCode = z.enum(ERROR_CODES);

/** One problem with an input, by path. Never carries the offending value (it could be a secret). */
export const ValidationIssue = z.object({
  path: z.string(),
  code: z.string(),
  message: z.string(),
});
export type ValidationIssue = z.infer<typeof ValidationIssue>;

/** The serialisable shape of an error: what crosses IPC and what the CLI prints. */
export const ErrorInfo = z.object({
  code: ErrorCode,
  message: z.string(),
  issues: z.array(ValidationIssue).optional(),
  /** Seconds to wait before retrying, when the upstream told us (429 Retry-After). */
  retryAfterSeconds: z.number().optional(),
});
export type ErrorInfo = z.infer<typeof ErrorInfo>;

/** Options for {@link AppError}; `cause` stays in the process that threw it and is never serialised. */
export interface AppErrorOptions {
  cause?: unknown;
  issues?: ValidationIssue[];
  retryAfterSeconds?: number;
}

/**
 * The one error type services throw. Its `message` must be safe to show a person and must say
 * what to do next; it must never contain a secret, a token or an OTP.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly issues?: ValidationIssue[];
  readonly retryAfterSeconds?: number;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.issues = options.issues;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  /** The serialisable form, without `cause` or stack. */
  toInfo(): ErrorInfo {
    const info: ErrorInfo = { code: this.code, message: this.message };
    if (this.issues) info.issues = this.issues;
    if (this.retryAfterSeconds !== undefined) info.retryAfterSeconds = this.retryAfterSeconds;
    return info;
  }
}

/** True for an {@link AppError}, including one from another realm that kept its shape. */
export function isAppError(value: unknown): value is AppError {
  return (
    value instanceof AppError ||
    (typeof value === 'object' &&
      value !== null &&
      (value as { name?: unknown }).name === 'AppError' &&
      ERROR_CODES.includes((value as { code?: ErrorCode }).code as ErrorCode))
  );
}
