import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { AuditEntry, AuditQuery, AuditRepairResult, AuditStatus, AuditVerifyResult } from '@shared/domain/audit';
import type { Result } from '@shared/ipc/result';
import { useRequest } from '../composables/useRequest';
import { usePlatform } from '../platform/platform';

/** The filters as the person typed them in the form (dates as `YYYY-MM-DD` from a date input). */
export interface AuditFilters {
  /** '' for any, an action (`user.lookup`) or a domain (`verification.*`). */
  action: string;
  userId: string;
  outcome: '' | 'ok' | 'error';
  /** First day included (local time). */
  fromDate: string;
  /** Last day included (local time). */
  toDate: string;
  text: string;
  /** A paired browser's key id (Settings › Browser integration): what it did and what was decided about it. */
  browserKeyId: string;
}

/** No filter at all. */
export function emptyFilters(): AuditFilters {
  return { action: '', userId: '', outcome: '', fromDate: '', toDate: '', text: '', browserKeyId: '' };
}

/** Entries per page: enough to fill a screen, small enough to come back at once. */
export const AUDIT_PAGE_SIZE = 50;

/** A local calendar day's first (or last) millisecond as an ISO instant; undefined when blank or unreadable. */
export function dayBoundary(day: string, end: boolean): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const date = new Date(`${day}T${end ? '23:59:59.999' : '00:00:00.000'}`);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** The `audit:list` input for a set of filters (blank fields are left out). */
export function toQuery(filters: AuditFilters, cursor?: string): AuditQuery {
  const query: AuditQuery = { limit: AUDIT_PAGE_SIZE };
  if (filters.action) query.action = [filters.action];
  if (filters.userId.trim()) query.userId = filters.userId.trim();
  if (filters.outcome) query.outcome = filters.outcome;
  const from = dayBoundary(filters.fromDate, false);
  const to = dayBoundary(filters.toDate, true);
  if (from) query.from = from;
  if (to) query.to = to;
  if (filters.text.trim()) query.text = filters.text.trim();
  if (filters.browserKeyId.trim()) query.browserKeyId = filters.browserKeyId.trim();
  if (cursor) query.cursor = cursor;
  return query;
}

/**
 * The console audit log as the Audit log view shows it: one filtered list (newest first, paged),
 * the result of the last chain verification, and the log's state (a torn tail after a crash blocks
 * every audited action until it is repaired). Main does the filtering and the hashing; this store
 * only keeps what came back.
 */
export const useAuditStore = defineStore('audit', () => {
  const platform = usePlatform();

  const entries = ref<AuditEntry[]>([]);
  const nextCursor = ref<string | null>(null);
  /** The filters of the list on screen. */
  const applied = ref<AuditFilters>(emptyFilters());
  /** True once the first page arrived (distinguishes "loading" from "empty"). */
  const loaded = ref(false);
  const skippedLines = ref(0);
  const listRequest = useRequest();
  const moreRequest = useRequest();
  const verifyRequest = useRequest();
  const statusRequest = useRequest();
  const repairRequest = useRequest();
  const verification = ref<AuditVerifyResult | null>(null);
  /** When the last verification finished (ISO). */
  const verifiedAt = ref<string | null>(null);
  const status = ref<AuditStatus | null>(null);
  const lastRepair = ref<AuditRepairResult | null>(null);
  // Answers to an older search must not overwrite a newer one.
  let generation = 0;

  /** Shows the first page for these filters. */
  async function search(filters: AuditFilters = applied.value): Promise<void> {
    const mine = ++generation;
    applied.value = { ...filters };
    moreRequest.reset();
    const result = await listRequest.run(() => platform.audit.list(toQuery(filters)));
    if (mine !== generation) return;
    if (result.ok) {
      entries.value = result.value.entries;
      nextCursor.value = result.value.nextCursor;
      skippedLines.value = result.value.skippedLines;
      loaded.value = true;
    }
  }

  /** Appends the next (older) page. */
  async function loadMore(): Promise<void> {
    const cursor = nextCursor.value;
    if (!cursor || moreRequest.pending.value) return;
    const mine = generation;
    const result = await moreRequest.run(() => platform.audit.list(toQuery(applied.value, cursor)));
    if (mine !== generation || !result.ok) return;
    entries.value = [...entries.value, ...result.value.entries];
    nextCursor.value = result.value.nextCursor;
    skippedLines.value += result.value.skippedLines;
  }

  /** Walks the whole chain in main and keeps the verdict. */
  async function verify(): Promise<Result<AuditVerifyResult>> {
    const result = await verifyRequest.run(() => platform.audit.verify());
    if (result.ok) {
      verification.value = result.value;
      verifiedAt.value = new Date().toISOString();
    }
    return result;
  }

  /** Reads whether the log can record right now. */
  async function loadStatus(): Promise<void> {
    const result = await statusRequest.run(() => platform.audit.status());
    if (result.ok) status.value = result.value;
  }

  /** Sets a torn last line aside (main records the repair in the chain), then refreshes everything. */
  async function repair(): Promise<Result<AuditRepairResult>> {
    const result = await repairRequest.run(() => platform.audit.repair({ confirm: true }));
    if (result.ok) {
      lastRepair.value = result.value;
      verification.value = null;
      await Promise.all([loadStatus(), search()]);
    }
    return result;
  }

  return {
    entries,
    nextCursor,
    applied,
    loaded,
    skippedLines,
    loading: listRequest.pending,
    loadError: listRequest.error,
    loadingMore: moreRequest.pending,
    moreError: moreRequest.error,
    verification,
    verifiedAt,
    verifying: verifyRequest.pending,
    verifyError: verifyRequest.error,
    status,
    statusError: statusRequest.error,
    lastRepair,
    repairing: repairRequest.pending,
    repairError: repairRequest.error,
    search,
    loadMore,
    verify,
    loadStatus,
    repair,
  };
});
