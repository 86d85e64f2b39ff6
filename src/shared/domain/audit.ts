import { z } from 'zod';
import { ErrorCode } from '../errors';
import { AUDIT_ACTIONS } from './audit-actions';

export { AUDIT_ACTIONS, AUDIT_ACTION_DOMAINS } from './audit-actions';

/**
 * The console audit log: one JSON object per line in `<dataDir>/audit/audit.jsonl`, each entry
 * hash-chained to the one before. These types are the on-disk format and what crosses IPC.
 *
 * Format (version 1):
 * - `hash` = lowercase hex SHA-256 of the RFC 8785 (JCS) canonical JSON of the entry without `hash`.
 * - `prevHash` = the previous entry's `hash`; the first entry's is {@link AUDIT_GENESIS_HASH}.
 * - `seq` starts at 1 and grows by exactly 1 per line.
 * - Each line on disk is the JCS canonical JSON of the whole entry (with `hash`) followed by `\n`,
 *   so any changed byte shows up as bad JSON, a non-canonical line or a hash mismatch.
 */
export const AUDIT_FORMAT_VERSION = 1;

/** `prevHash` of the first entry: 64 zeros, so a log that starts anywhere else is visibly cut. */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);

/** An action a writer may record (the list is in `audit-actions.ts`). */
export type AuditAction = (typeof AUDIT_ACTIONS)[number];
/** Schema of an action a writer may record. */
export const AuditAction = z.enum(AUDIT_ACTIONS);

/** Any `domain.verb` action name, as read back from a log (possibly written by a newer version). */
export const AuditActionName = z
  .string()
  .max(80)
  .regex(/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/, 'An action is a lowercase `domain.verb` name');

/** An action filter: an exact action (`user.lookup`) or every action of a domain (`verification.*`). */
export const AuditActionFilter = z
  .string()
  .max(80)
  .regex(
    /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*(\.\*)?$/,
    'Use an action such as user.lookup, or a domain such as verification.*',
  );

/** Lowercase hex SHA-256. */
export const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);

/** Who did it: the OS account that ran Authdesk and the agent name they chose in settings. */
export const AuditActor = z.object({
  osUser: z.string().max(200),
  agentName: z.string().max(200).nullable(),
});
export type AuditActor = z.infer<typeof AuditActor>;

/** Which tenant profile the action was against (null for actions on the console itself). */
export const AuditTenant = z.object({ id: z.string().max(200), name: z.string().max(200) });
export type AuditTenant = z.infer<typeof AuditTenant>;

/** Which user of the tenant the action was about, when there is one. */
export const AuditSubject = z.object({ userId: z.string().max(500).optional() });
export type AuditSubject = z.infer<typeof AuditSubject>;

/** How the action ended. */
export const AuditOutcome = z.enum(['ok', 'error']);
export type AuditOutcome = z.infer<typeof AuditOutcome>;

/** Why an action failed: the AppError code and its (person-safe) message. */
export const AuditError = z.object({ code: ErrorCode, message: z.string().max(500).optional() });
export type AuditError = z.infer<typeof AuditError>;

/** The caller verification that covered an action (see issue #5): stamped on every entry it covers. */
export const VerificationStamp = z.object({
  id: z.string().min(1).max(200),
  /** e.g. `email-otp`, `sms-otp`, `prebuilt-ui`, `offline`. */
  method: z.string().min(1).max(40),
  expiresAt: z.iso.datetime({ offset: true }),
});
export type VerificationStamp = z.infer<typeof VerificationStamp>;

/** One recorded action, exactly as stored on its line. */
export const AuditEntry = z.object({
  v: z.literal(AUDIT_FORMAT_VERSION),
  seq: z.number().int().positive(),
  ts: z.iso.datetime({ offset: true }),
  actor: AuditActor,
  action: AuditActionName,
  tenant: AuditTenant.nullable(),
  subject: AuditSubject,
  /** Reason, ticket, method, authenticator id…: already sanitised, never a secret, token or code. */
  details: z.record(z.string(), z.json()),
  outcome: AuditOutcome,
  error: AuditError.optional(),
  verification: VerificationStamp.optional(),
  /** Paths of details the sanitiser removed (names only, never the values). */
  redacted: z.array(z.string()).optional(),
  prevHash: Sha256Hex,
  hash: Sha256Hex,
});
export type AuditEntry = z.infer<typeof AuditEntry>;

/** Filters and page of `audit:list`. Results come newest first. */
export const AuditQuery = z
  .object({
    /** Only entries at or after this instant. */
    from: z.iso.datetime({ offset: true }).optional(),
    /** Only entries at or before this instant. */
    to: z.iso.datetime({ offset: true }).optional(),
    /** Any of these actions (`user.lookup`) or domains (`verification.*`). */
    action: z.array(AuditActionFilter).max(50).optional(),
    userId: z.string().trim().min(1).max(500).optional(),
    tenantId: z.string().trim().min(1).max(200).optional(),
    outcome: AuditOutcome.optional(),
    /** Only entries about or made through this paired browser (its key id, `details.browserKeyId`). */
    browserKeyId: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[0-9a-f]{16}$/, 'A browser key id is 16 hex characters, as shown in Settings › Browser integration')
      .optional(),
    /** Case-insensitive text found in any value of the entry (not its hashes). */
    text: z.string().trim().min(1).max(200).optional(),
    limit: z.number().int().min(1).max(500).default(50),
    /** `nextCursor` of the previous page. */
    cursor: z
      .string()
      .regex(/^\d{1,15}-\d{1,15}$/, 'Use the nextCursor of the previous page')
      .optional(),
  })
  .strict()
  .refine((q) => q.from === undefined || q.to === undefined || Date.parse(q.from) <= Date.parse(q.to), {
    message: 'The start of the date range must not be after its end',
    path: ['from'],
  });
export type AuditQuery = z.input<typeof AuditQuery>;

/** One page of `audit:list`. */
export const AuditPage = z.object({
  entries: z.array(AuditEntry),
  /** Pass back as `cursor` for older entries; null when there are none. */
  nextCursor: z.string().nullable(),
  /** Lines read to build this page. */
  scannedLines: z.number().int().nonnegative(),
  /** Lines that could not be read as an entry (run `audit verify` to see why). */
  skippedLines: z.number().int().nonnegative(),
});
export type AuditPage = z.infer<typeof AuditPage>;

/** Why `verify` stopped at a line. */
export const AUDIT_BREAK_REASONS = [
  'bad-json',
  'bad-entry',
  'not-canonical',
  'hash-mismatch',
  'seq-gap',
  'prev-mismatch',
  'torn-tail',
  /** The log ends before (or is empty below) the head anchored in the OS keychain. */
  'truncated',
  /** The entry at the anchored seq is not the anchored one. */
  'rewritten',
] as const;
export const AuditBreakReason = z.enum(AUDIT_BREAK_REASONS);
export type AuditBreakReason = z.infer<typeof AuditBreakReason>;

/** The first entry that does not verify. */
export const AuditBreak = z.object({
  /** 1-based line number in the file. */
  line: z.number().int().positive(),
  /** The seq the line claims, when it could be read. */
  seq: z.number().int().nullable(),
  reason: AuditBreakReason,
  /** What is wrong, in words. */
  message: z.string(),
});
export type AuditBreak = z.infer<typeof AuditBreak>;

/** Result of walking the whole chain. */
export const AuditVerifyResult = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    file: z.string(),
    entries: z.number().int().nonnegative(),
    lastSeq: z.number().int().nonnegative(),
    lastHash: Sha256Hex,
    /** How many `log.recovered` entries the chain holds (torn tails repaired after a crash). */
    recoveries: z.number().int().nonnegative(),
    /** Set when a slice of a log was verified: where it starts and the hash it chains from. */
    slice: z.object({ firstSeq: z.number().int().positive(), anchorHash: Sha256Hex }).optional(),
  }),
  z.object({
    ok: z.literal(false),
    file: z.string(),
    /** Entries that verified before the break. */
    entries: z.number().int().nonnegative(),
    broken: AuditBreak,
  }),
]);
export type AuditVerifyResult = z.infer<typeof AuditVerifyResult>;

/**
 * The log's state from its tail (cheap, no full walk): `torn` means the last line is incomplete
 * (a crash mid-append) and nothing is recorded until it is repaired; `damaged` means the last
 * complete entry does not check out and a person must look (`audit verify`).
 */
export const AuditStatus = z.object({
  file: z.string(),
  /** `truncated`: the log ends before the head anchored in the OS keychain (cut or emptied by hand). */
  state: z.enum(['empty', 'ok', 'torn', 'damaged', 'truncated']),
  lastSeq: z.number().int().nonnegative(),
  /** Size of the incomplete fragment after the last complete entry, when torn. */
  tornBytes: z.number().int().nonnegative().optional(),
  message: z.string(),
});
export type AuditStatus = z.infer<typeof AuditStatus>;

/** What `repair` did with a torn tail. */
export const AuditRepairResult = z.object({
  /** `none`: nothing was torn; `completed`: the fragment was a whole entry missing its newline; `quarantined`: moved aside. */
  kind: z.enum(['none', 'completed', 'quarantined']),
  /** The quarantine file, relative to the audit folder, when the fragment was moved aside. */
  quarantineFile: z.string().optional(),
  /** The `log.recovered` entry that records the repair. */
  entry: AuditEntry.optional(),
});
export type AuditRepairResult = z.infer<typeof AuditRepairResult>;
