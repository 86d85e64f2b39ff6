/**
 * The value of `aria-describedby` from the ids that apply (hint, error …), in reading order;
 * undefined when none does, so the attribute is left off rather than empty.
 */
export function describedBy(...ids: readonly (string | false | null | undefined)[]): string | undefined {
  return ids.filter(Boolean).join(' ') || undefined;
}
