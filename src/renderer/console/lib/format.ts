/**
 * THE date-time format of the console: local date, time with seconds, and the zone, e.g.
 * "3 Mar 2026, 14:05:09 CET". Every absolute time on screen goes through here, so an agent never
 * compares a UTC instant with a local one or a time with seconds against one without.
 */
export function formatDateTime(iso: string, locale?: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    timeZoneName: 'short',
  }).format(date);
}

/**
 * The day of an instant in the same local style as {@link formatDateTime} ("3 Mar 2026"), for dense
 * tables; pair it with the full date-time in a `title`.
 */
export function formatDate(iso: string, locale?: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', day: 'numeric' }).format(date);
}

/** An ISO instant as written by main (`2026-05-01T10:10:05.000Z`), to show it with {@link formatDateTime}. */
export const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
