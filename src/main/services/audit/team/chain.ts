import { createHash } from 'node:crypto';

/** The team chain starts from 64 zeros, like the local one. */
export const TEAM_GENESIS_HASH = '0'.repeat(64);

/** The fields of a stored entry the team hash covers. */
export interface TeamHashInput {
  prevHash: string;
  teamSeq: string | number | bigint;
  deviceId: string;
  localSeq: string | number | bigint;
  role: string;
  /** Server time in microseconds since the epoch, as text (what the database hashed). */
  serverUs: string;
  entryText: string;
}

/**
 * The team hash, computed the way `authdesk.team_hash` computes it in the database: SHA-256 (hex)
 * over the fields joined by newlines. Recomputing it here means verification does not trust the
 * database's own function: an owner who edits rows with the triggers off is still caught.
 */
export function teamHash(i: TeamHashInput): string {
  const text = [i.prevHash, String(i.teamSeq), i.deviceId, String(i.localSeq), i.role, i.serverUs, i.entryText].join('\n');
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
