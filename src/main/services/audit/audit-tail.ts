import type { FileHandle } from 'node:fs/promises';
import type { AuditStatus } from '@shared/domain/audit';
import { readTail, type FileTail } from './audit-file';
import { GENESIS_HEAD, checkEntryText, type ChainHead } from './audit-format';

/** What the tail of the log says about it: clean, empty, torn by a crash, or damaged. */
export interface TailState {
  state: AuditStatus['state'];
  head: ChainHead;
  tornBytes: number;
  tail: FileTail | null;
}

/** Identity of a file's current content, as far as stat can tell. */
export function fileKey(st: { ino: number; size: number; mtimeMs: number }): string {
  return `${st.ino}:${st.size}:${st.mtimeMs}`;
}

export function tornMessage(state: TailState): string {
  return (
    `The audit log ends with an incomplete entry (${state.tornBytes} bytes after seq ${state.head.seq}) ` +
    'left by a crash during an append. Nothing more is recorded until it is repaired: run ' +
    '`npx authdesk audit repair`, or choose Repair in the Audit log view.'
  );
}

export const DAMAGED_MESSAGE =
  'The last entry of the audit log does not check out, so no new entry can be chained to it. Run ' +
  '`npx authdesk audit verify` to find the damage, then restore the log from a backup.';

/** Reads and judges the tail of the open log. */
export async function inspectTail(handle: FileHandle): Promise<TailState> {
  const tail = await readTail(handle);
  if (tail.size === 0) return { state: 'empty', head: GENESIS_HEAD, tornBytes: 0, tail };
  let head = GENESIS_HEAD;
  if (tail.lastLine) {
    const check = checkEntryText(tail.lastLine.text, 1);
    if (!check.ok) return { state: 'damaged', head, tornBytes: tail.fragment.length, tail };
    head = { seq: check.entry.seq, hash: check.entry.hash };
  }
  if (tail.fragment.length > 0) return { state: 'torn', head, tornBytes: tail.fragment.length, tail };
  return { state: 'ok', head, tornBytes: 0, tail };
}
