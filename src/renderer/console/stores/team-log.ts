import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { TeamLogEntry, TeamQuery, TeamStatus } from '@shared/domain/team';
import { useRequest } from '../composables/useRequest';
import { usePlatform } from '../platform/platform';
import { AUDIT_PAGE_SIZE, dayBoundary } from './audit';

/** The team log's filters as typed (dates as `YYYY-MM-DD` from a date input). */
export interface TeamFilters {
  /** The agent: the database role that wrote the entry. */
  role: string;
  userId: string;
  ticket: string;
  /** One action (`user.lookup`): the store matches actions exactly. */
  action: string;
  outcome: '' | 'ok' | 'error';
  fromDate: string;
  toDate: string;
}

export function emptyTeamFilters(): TeamFilters {
  return { role: '', userId: '', ticket: '', action: '', outcome: '', fromDate: '', toDate: '' };
}

/** The `team:list` input for a set of filters (blank fields left out), from a keyset cursor. */
export function toTeamQuery(filters: TeamFilters, beforeSeq?: number): TeamQuery {
  const query: TeamQuery = { limit: AUDIT_PAGE_SIZE };
  const text = (v: string) => v.trim();
  if (text(filters.role)) query.role = text(filters.role);
  if (text(filters.userId)) query.userId = text(filters.userId);
  if (text(filters.ticket)) query.ticket = text(filters.ticket);
  if (filters.action) query.action = filters.action;
  if (filters.outcome) query.outcome = filters.outcome;
  const from = dayBoundary(filters.fromDate, false);
  const to = dayBoundary(filters.toDate, true);
  if (from) query.from = from;
  if (to) query.to = to;
  if (beforeSeq !== undefined) query.beforeSeq = beforeSeq;
  return query;
}

/**
 * The Audit log view's team scope: whether team mode is on here (the scope switch shows only then),
 * and one filtered page of the team log at a time, newest first. Paging is the store's keyset
 * cursor (`beforeSeq`): "Next" asks for the entries before the last one shown; "Previous" goes
 * back to the cursor the page on screen was asked with.
 */
export const useTeamLogStore = defineStore('team-log', () => {
  const platform = usePlatform();
  const status = ref<TeamStatus | null>(null);
  const entries = ref<TeamLogEntry[]>([]);
  const nextBeforeSeq = ref<number | null>(null);
  /** The cursors the pages before this one were asked with (undefined: the first page). */
  const cursors = ref<(number | undefined)[]>([]);
  const current = ref<number | undefined>(undefined);
  const applied = ref<TeamFilters>(emptyTeamFilters());
  const loaded = ref(false);
  const listRequest = useRequest();
  const statusRequest = useRequest();
  const configured = computed(() => status.value !== null && status.value.state !== 'off');
  let generation = 0;

  async function loadStatus(): Promise<void> {
    const result = await statusRequest.run(() => platform.team.status({}));
    if (result.ok) status.value = result.value;
  }

  async function fetchPage(beforeSeq: number | undefined, history: (number | undefined)[]): Promise<void> {
    const mine = ++generation;
    const result = await listRequest.run(() => platform.team.list(toTeamQuery(applied.value, beforeSeq)));
    if (mine !== generation || !result.ok) return;
    entries.value = result.value.entries;
    nextBeforeSeq.value = result.value.nextBeforeSeq;
    current.value = beforeSeq;
    cursors.value = history;
    loaded.value = true;
  }

  /** The first page for these filters. */
  async function search(filters: TeamFilters = applied.value): Promise<void> {
    applied.value = { ...filters };
    loaded.value = false;
    await fetchPage(undefined, []);
  }

  async function next(): Promise<void> {
    if (nextBeforeSeq.value === null || listRequest.pending.value) return;
    await fetchPage(nextBeforeSeq.value, [...cursors.value, current.value]);
  }

  async function previous(): Promise<void> {
    if (cursors.value.length === 0 || listRequest.pending.value) return;
    const history = cursors.value.slice(0, -1);
    await fetchPage(cursors.value[cursors.value.length - 1], history);
  }

  /** Asks again for the page on screen (after an error). */
  async function retry(): Promise<void> {
    await fetchPage(current.value, cursors.value);
  }

  return {
    status,
    configured,
    entries,
    nextBeforeSeq,
    applied,
    loaded,
    page: computed(() => cursors.value.length + 1),
    hasPrevious: computed(() => cursors.value.length > 0),
    loading: listRequest.pending,
    loadError: listRequest.error,
    loadStatus,
    search,
    next,
    previous,
    retry,
  };
});
