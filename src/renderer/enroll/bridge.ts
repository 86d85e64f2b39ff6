import type { Result } from '@shared/ipc/result';

/**
 * The enroll window's bridge, as the enroll preload (src/preload/enroll.ts) exposes it, or the
 * browser harness stands in for it. Three calls, each answering a Result; nothing else of Authdesk
 * is reachable from this page.
 */
export interface EnrollBridge {
  /** The session (with the user's short-lived token), validated by the page before use. */
  session(): Promise<Result<unknown>>;
  /** Tells main the user finished a method; main validates the token itself. */
  complete(result: { method: string; token: string }): Promise<Result<unknown>>;
  /** Tells main the flow was abandoned. */
  cancel(reason?: string): Promise<Result<unknown>>;
}

declare global {
  interface Window {
    /** Present only inside Authdesk's guided enrollment window. */
    readonly authdeskEnroll?: EnrollBridge;
  }
}

/** The bridge, or null when the page was opened anywhere else. */
export function enrollBridge(): EnrollBridge | null {
  const bridge = window.authdeskEnroll;
  return bridge && typeof bridge.session === 'function' ? bridge : null;
}
