/// <reference types="chrome" />
// The extension's own pages and service worker see the chrome.* APIs (types from @types/chrome).
