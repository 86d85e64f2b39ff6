import type { Api } from '@shared/ipc';

declare global {
  interface Window {
    /** Built by the preload (src/preload/console.ts) or the browser harness bridge; absent elsewhere. */
    readonly authdesk?: Api;
  }
}

export {};
