import { AppError, isAppError } from '@shared/errors';

/**
 * Guards the helpdesk services (directory, verification, enrollment) share, so their answers to
 * "no tenant" and "the audit log refused" read the same everywhere.
 */

/** The active tenant, or `not-found` saying how to pick one. */
export async function requireActiveTenant<T>(tenants: { activeTenant(): Promise<T | null> }): Promise<T> {
  const tenant = await tenants.activeTenant();
  if (!tenant) throw new AppError('not-found', 'No tenant is active. Choose one in Settings → Tenants, or connect one.');
  return tenant;
}

/**
 * The error for work the audit log could not record: `message` says what that means for the
 * work, followed by the log's own advice (or a hint at the disk); the log's code is kept.
 */
export function unrecordedError(error: unknown, message: string): AppError {
  const cause = isAppError(error) ? error : undefined;
  return new AppError(cause?.code ?? 'internal', `${message} ${cause?.message ?? 'Check the disk and the data folder.'}`, { cause: error });
}
