import type { ErrorCode, ErrorInfo } from '@shared/errors';

/** What a person can do about an error; views render it as a button or a link. */
export type ErrorAction = 'retry' | 'fix-fields' | 'open-tenants' | 'none';

/** The words for one error code. */
export interface ErrorCopy {
  /** A short heading: what happened, in plain words. */
  title: string;
  /** What to do next, used when main's message is empty. */
  fallback: string;
  /** The one action to offer. */
  action: ErrorAction;
}

/**
 * The one table from error code to words. Main's message is specific (it names the field, the
 * region, the keychain), so views show it under this title; the table decides the title and action.
 */
export const ERROR_COPY: Readonly<Record<ErrorCode, ErrorCopy>> = {
  validation: {
    title: 'Some details need correcting',
    fallback: 'Correct the highlighted fields and try again.',
    action: 'fix-fields',
  },
  'not-found': {
    title: 'Not found',
    fallback: 'It may have been removed in the meantime. Refresh and try again.',
    action: 'retry',
  },
  unauthorized: {
    title: 'The tenant refused the secret',
    fallback: 'Check the Server API secret and the region (or API URL) in the Authsignal portal, then try again.',
    action: 'open-tenants',
  },
  forbidden: {
    title: 'Not allowed',
    fallback: 'This secret may not do that. Check its permissions in the Authsignal portal.',
    action: 'open-tenants',
  },
  'rate-limited': {
    title: 'Authsignal asked us to slow down',
    fallback: 'Wait a moment, then try again.',
    action: 'retry',
  },
  unavailable: {
    title: 'Could not reach the service',
    fallback: 'Check your network connection and the API URL, then try again.',
    action: 'retry',
  },
  'keychain-unavailable': {
    title: 'The OS keychain is not available',
    fallback: 'Unlock or start your keychain, then try again. Authdesk never stores secrets in plain text.',
    action: 'retry',
  },
  conflict: {
    title: 'That clashes with something that already exists',
    fallback: 'Refresh, check the details and try again.',
    action: 'retry',
  },
  expired: {
    title: 'That has expired',
    fallback: 'Start again from the beginning.',
    action: 'retry',
  },
  internal: {
    title: 'Something went wrong inside Authdesk',
    fallback: 'Try again; if it keeps happening, report it.',
    action: 'retry',
  },
};

/** An error, in words a person can act on. */
export interface ErrorDescription extends ErrorCopy {
  code: ErrorCode;
  /** Main's message when it has one (it says what to do), else the table's fallback. */
  message: string;
  /** "Try again in 30 seconds." when the upstream said how long to wait. */
  retryHint?: string;
}

/** Turns an error from a Result into what a view shows. Unknown codes read as `internal`. */
export function describeError(error: Pick<ErrorInfo, 'code' | 'message' | 'retryAfterSeconds'>): ErrorDescription {
  const code: ErrorCode = error.code in ERROR_COPY ? error.code : 'internal';
  const copy = ERROR_COPY[code];
  const message = error.message.trim() || copy.fallback;
  const description: ErrorDescription = { ...copy, code, message };
  if (error.retryAfterSeconds !== undefined && error.retryAfterSeconds > 0) {
    const s = Math.ceil(error.retryAfterSeconds);
    description.retryHint = `Try again in ${s} second${s === 1 ? '' : 's'}.`;
  }
  return description;
}
