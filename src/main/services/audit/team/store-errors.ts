import { AppError } from '@shared/errors';
import { formatTeamUrl, type TeamConnection } from './connection';

/** Network and server-state errors: the store is (for now) out of reach. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

/** TLS failures: the server could not prove who it is. */
const TLS = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|does not support SSL/i;

/**
 * Maps a node-postgres failure to an AppError a person can act on. Server messages are kept (our
 * functions' RAISE texts say what happened; PostgreSQL's own never contain a password), the
 * connection is named by its URL, which has no password.
 */
export function toStoreError(error: unknown, connection: TeamConnection): AppError {
  if (error instanceof AppError) return error;
  const e = error as { code?: string; message?: string; hint?: string };
  const where = formatTeamUrl(connection);
  const code = e.code ?? '';
  const text = e.message ?? String(error);
  const hint = e.hint ? ` ${e.hint}` : '';
  if (TLS.test(code) || TLS.test(text)) {
    return new AppError(
      'unavailable',
      `The team store at ${where} did not pass the TLS check (${code || text}). Give its CA with ?sslrootcert=/path/ca.pem, or fix the server certificate's host name.`,
      { cause: error },
    );
  }
  if (UNREACHABLE.has(code) || code.startsWith('08') || code === '57P01' || code === '57P03' || /timeout|terminated|Connection terminated/i.test(text)) {
    return new AppError('unavailable', `The team store at ${where} cannot be reached right now (${code || text}). Entries wait locally and are shipped when it is back.`, {
      cause: error,
    });
  }
  if (code === '28P01' || code === '28000') {
    return new AppError('unauthorized', `The team store at ${where} refused the role's password. Run \`authdesk team connect\` again with the right password.`, { cause: error });
  }
  if (code === '42501') return new AppError('forbidden', `The team store refused: ${text}.${hint}`, { cause: error });
  if (code === '3F000' || (code === '42883' && /authdesk\./.test(text)) || code === '42P01') {
    return new AppError('not-found', `The team store at ${where} is not set up (${text}). An admin runs \`authdesk team init\` first.`, { cause: error });
  }
  if (code === '23505' || code === '22000') return new AppError('conflict', `The team store refused: ${text}.${hint}`, { cause: error });
  if (code === '22023' || code === '54000' || code.startsWith('22')) return new AppError('validation', `The team store refused: ${text}.${hint}`, { cause: error });
  return new AppError('internal', `The team store failed (${code || 'no code'}): ${text}`, { cause: error });
}
