import { formatDateTime } from '@console/lib/format';

/**
 * Relative and absolute times for the helpdesk views ("3 days ago" next to "12 Mar 2026, 14:02"):
 * an agent on a call thinks in "how long ago", an auditor in dates, so both are always shown.
 */

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

/** "3 days ago", "in 2 hours", "just now"; empty for an unreadable date. */
export function relativeTime(iso: string, now: Date = new Date(), locale?: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  const seconds = Math.round((t - now.getTime()) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return 'just now';
  const format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  for (const [unit, size] of UNITS) {
    if (abs >= size) return format.format(Math.round(seconds / size), unit);
  }
  return format.format(Math.round(seconds / 60), 'minute');
}

/** The console's one absolute format (local, seconds, zone); the input itself when unreadable. */
export function absoluteTime(iso: string, locale?: string): string {
  return formatDateTime(iso, locale);
}

/** The full instant with time zone, for the tooltip and screen readers. */
export function fullTime(iso: string, locale?: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'full', timeStyle: 'long' }).format(date);
}
