/**
 * Text that came from users and tenants (names, ids, emails, reasons) is shown isolated (`<bdi>`,
 * see BaseUserText.vue), so a right-to-left run or an override cannot reorder what sits around it.
 * In ids, where every character matters, bidi controls are also shown as visible marks.
 */

/** The Unicode bidi controls: embeddings, overrides, isolates and the marks. */
export const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** `adm\u202Enimda` -> `adm[U+202E]nimda`: an id reads as the characters it holds. */
export function visibleBidiControls(text: string): string {
  return text.replace(BIDI_CONTROLS, (c) => `[U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}]`);
}
