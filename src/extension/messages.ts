/**
 * Messages between the service worker and the side panel (both extension contexts; nothing else
 * can send them: the extension declares no externally_connectable and no content scripts).
 */

/** The selection to look up, handed from the context menu to the side panel. */
export interface LookupMessage {
  type: 'authdesk:lookup';
  text: string;
}

/** The side panel asks for a lookup that was requested before it finished loading. */
export interface TakeLookupMessage {
  type: 'authdesk:take-lookup';
}

/** Id of the context-menu item. */
export const LOOKUP_MENU_ID = 'authdesk-lookup';

/**
 * Longest selection handed to the panel: a ticket line or paragraph, out of which the panel takes
 * the email, phone or user id to search (src/extension/extract.ts).
 */
export const MAX_SELECTION = 2000;

/** The text of a selection: trimmed, one line, bounded; '' when nothing usable. */
export function selectionToQuery(text: string | undefined): string {
  return (text ?? '').replace(/\s+/g, ' ').trim().slice(0, MAX_SELECTION);
}

/** True for a {@link LookupMessage}. */
export function isLookupMessage(value: unknown): value is LookupMessage {
  return typeof value === 'object' && value !== null && (value as LookupMessage).type === 'authdesk:lookup' && typeof (value as LookupMessage).text === 'string';
}
