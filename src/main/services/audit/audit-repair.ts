import { copyFile, mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuditEntry, AuditRepairResult } from '@shared/domain/audit';
import { AppError } from '@shared/errors';
import { openIfExists, syncDir, writeFully } from './audit-file';
import { checkLine, lineOf, sha256Hex, type ChainHead } from './audit-format';
import type { AuditAppendInput } from './audit-entry';
import { DAMAGED_MESSAGE, inspectTail, type TailState } from './audit-tail';

/** Where a repair works: the log, its folder and the quarantine folder for fragments. */
export interface RepairPaths {
  file: string;
  dir: string;
  quarantineDir: string;
}

/**
 * Repairs a torn tail of the log (see AuditLogService) and writes the `log.recovered` entry that
 * `build` makes; the caller holds the lock. Returns `none` on a clean log, with the entry otherwise.
 */
export async function repairTornTail(
  paths: RepairPaths,
  build: (input: AuditAppendInput, head: ChainHead) => Promise<AuditEntry>,
): Promise<AuditRepairResult> {
  const handle = await openIfExists(paths.file);
  if (!handle) return { kind: 'none' };
  let state: TailState;
  try {
    state = await inspectTail(handle);
  } finally {
    await handle.close();
  }
  if (state.state === 'damaged') throw new AppError('conflict', DAMAGED_MESSAGE);
  if (state.state !== 'torn' || !state.tail) return { kind: 'none' };
  const { fragment, completeEnd } = state.tail;
  const fragmentText = fragment.toString('utf8');
  const whole = checkLine(fragmentText, 1, state.head);
  const fragmentSha256 = sha256Hex(fragment);
  let head = state.head;
  let quarantineFile: string | undefined;
  if (whole.ok) {
    head = { seq: whole.entry.seq, hash: whole.entry.hash };
  } else {
    // Content-derived name: a repair interrupted and run again rewrites the same file.
    const name = `torn-after-seq-${state.head.seq}-${fragmentSha256.slice(0, 12)}.fragment`;
    quarantineFile = `quarantine/${name}`;
    await mkdir(paths.quarantineDir, { recursive: true, mode: 0o700 });
    // SECURITY: owner-only, like the log it came from.
    const qHandle = await open(join(paths.quarantineDir, name), 'w', 0o600);
    try {
      await writeFully(qHandle, fragment);
      await qHandle.sync();
    } finally {
      await qHandle.close();
    }
    await syncDir(paths.quarantineDir);
  }
  const recovered = await build(
    {
      action: 'log.recovered',
      details: {
        kind: whole.ok ? 'completed' : 'quarantined',
        ...(quarantineFile ? { quarantineFile } : {}),
        fragmentBytes: fragment.length,
        fragmentSha256,
        afterSeq: state.head.seq,
      },
    },
    head,
  );
  // Build the repaired log beside the old one and swap it in with one rename.
  const temp = `${paths.file}.repair-${process.pid}.tmp`;
  try {
    await copyFile(paths.file, temp);
    const tHandle = await open(temp, 'r+');
    try {
      await tHandle.truncate(completeEnd);
      const tailBytes = Buffer.from(`${whole.ok ? `${fragmentText}\n` : ''}${lineOf(recovered)}`, 'utf8');
      await writeFully(tHandle, tailBytes, completeEnd);
      await tHandle.sync();
    } finally {
      await tHandle.close();
    }
    await rename(temp, paths.file);
    await syncDir(paths.dir);
  } catch (error) {
    await rm(temp, { force: true });
    throw new AppError('unavailable', 'Authdesk could not rewrite the audit log to repair it. Check free disk space and try again.', {
      cause: error,
    });
  }
  return { kind: whole.ok ? 'completed' : 'quarantined', ...(quarantineFile ? { quarantineFile } : {}), entry: recovered };
}
