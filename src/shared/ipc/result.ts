import { z } from 'zod';
import { ErrorInfo } from '../errors';

/** What every IPC call resolves to. Handlers never throw across the bridge. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorInfo };

/** Schema for a Result of the given value schema (used by the harness bridge and tests). */
export function resultSchema<T extends z.ZodType>(value: T) {
  return z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), value }),
    z.object({ ok: z.literal(false), error: ErrorInfo }),
  ]);
}

/** Builds a success. */
export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
/** Builds a failure. */
export const fail = (error: ErrorInfo): Result<never> => ({ ok: false, error });
