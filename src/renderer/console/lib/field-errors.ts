import type { ValidationIssue } from '@shared/errors';

/** First message per form field, keyed by field name. */
export type FieldErrors<F extends string> = Partial<Record<F, string>>;

/**
 * Maps validation issues to form fields by path: an issue at `apiUrl` or `apiUrl.host` belongs to
 * `apiUrl`; an issue with an empty path or a path no field claims is returned in `other` so the
 * error summary still shows it. `aliases` maps a path head to the field that shows it (e.g. the
 * region/API URL refinement reported at `region` while the person is typing a URL).
 */
export function fieldErrorsFrom<F extends string>(
  issues: readonly ValidationIssue[] | undefined,
  fields: readonly F[],
  aliases: Partial<Record<string, F>> = {},
): { fields: FieldErrors<F>; other: string[] } {
  const byField: FieldErrors<F> = {};
  const other: string[] = [];
  for (const issue of issues ?? []) {
    const head = issue.path.split('.')[0] ?? '';
    const field = aliases[head] ?? (fields as readonly string[]).find((f) => f === head);
    if (field === undefined) other.push(issue.message);
    else byField[field as F] ??= issue.message;
  }
  return { fields: byField, other };
}
