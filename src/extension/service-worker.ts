import { LOOKUP_MENU_ID, selectionToQuery, type LookupMessage } from './messages';

/**
 * The extension's service worker: the "Look up in Authdesk" context-menu item for selected text,
 * which opens the side panel with the search filled in, and the toolbar button opening the panel.
 * It holds no key and talks to no server: the side panel owns the bridge session.
 */

/** A lookup asked for before the side panel was ready to hear it (memory only, taken once). */
let pending: string | undefined;

chrome.runtime.onInstalled.addListener(() => {
  chrome.contextMenus.create({ id: LOOKUP_MENU_ID, title: 'Look up in Authdesk', contexts: ['selection'] });
});

// The toolbar button opens the side panel.
void chrome.sidePanel.setPanelBehavior({ openPanelOnActionClick: true }).catch(() => undefined);

/**
 * Looks the selected text up: opens the side panel (it must be called while the click's user
 * gesture lasts, so before any await) and hands it the query.
 */
export function lookUpSelection(info: Pick<chrome.contextMenus.OnClickData, 'menuItemId' | 'selectionText'>, tab?: chrome.tabs.Tab): void {
  if (info.menuItemId !== LOOKUP_MENU_ID) return;
  const text = selectionToQuery(info.selectionText);
  if (!text) return;
  if (tab?.windowId !== undefined) void chrome.sidePanel.open({ windowId: tab.windowId }).catch(() => undefined);
  pending = text;
  const message: LookupMessage = { type: 'authdesk:lookup', text };
  // An open panel takes it now; one still loading asks for `pending` when it starts.
  chrome.runtime.sendMessage(message).then(
    (taken: unknown) => {
      if (taken === true) pending = undefined;
    },
    () => undefined,
  );
}

chrome.contextMenus.onClicked.addListener((info, tab) => lookUpSelection(info, tab));

chrome.runtime.onMessage.addListener((message: unknown, sender, sendResponse: (response?: unknown) => void) => {
  // SECURITY: only our own pages may take the selection (no other extension or web page can message us).
  if (sender.id !== chrome.runtime.id || (message as { type?: unknown })?.type !== 'authdesk:take-lookup') return false;
  sendResponse(pending ?? null);
  pending = undefined;
  return false;
});

// Exposed for the e2e test, which cannot click the browser's native context menu: it calls the very
// handler the menu calls, with the text Chromium would pass as `selectionText`.
(globalThis as unknown as { authdeskLookUpSelection: typeof lookUpSelection }).authdeskLookUpSelection = lookUpSelection;
