import type { ErrorCode } from '@shared/errors';

/** The process exit code for success. */
export const EXIT_OK = 0;
/** Bad command line (unknown command, missing option): same family as a validation error. */
export const EXIT_USAGE = 2;

/**
 * Exit code per error code, in one table so scripts can branch on them and the compiler makes
 * every new ErrorCode pick one. Families: 1 generic failure, 2 fix your input, 3 fix your
 * credentials, 4 fix your keychain, 5 try again later, 6 no such thing, 7 conflicts with what exists.
 */
export const EXIT_CODES: Readonly<Record<ErrorCode, number>> = {
  internal: 1,
  expired: 1,
  validation: 2,
  unauthorized: 3,
  forbidden: 3,
  'keychain-unavailable': 4,
  unavailable: 5,
  'rate-limited': 5,
  'not-found': 6,
  conflict: 7,
};

/** Exit code for an error code. */
export function exitCodeFor(code: ErrorCode): number {
  return EXIT_CODES[code];
}
