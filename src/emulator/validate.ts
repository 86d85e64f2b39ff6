import type { z } from 'zod';
import { ApiError } from './http';

/**
 * Parses a request body or query with a zod schema; a mismatch is a 400 `invalid_request` naming
 * the fields (paths only).
 */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  // SECURITY: only the paths and zod's generic messages are echoed, never the values sent.
  const fields = result.error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`);
  throw new ApiError(400, 'invalid_request', `The request is not valid. ${fields.join('; ')}.`);
}

/** E.164: a plus, a non-zero digit, 7 to 15 digits in all. Authsignal stores phone numbers this way. */
export const E164_PATTERN = /^\+[1-9]\d{6,14}$/;

/** Action codes as Authsignal accepts them. */
export const ACTION_CODE_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;
