/**
 * How long the side panel waits before checking for Authdesk again while it cannot reach it: soon
 * at first (the agent may just be opening the app), then less and less often, so a panel left open
 * all day with the app closed does not start a native host every few seconds (issue #18).
 */
export const RETRY_DELAYS_MS = [2_000, 4_000, 8_000, 15_000, 30_000, 60_000] as const;

/** The wait before retry number `attempt` (0-based); the last delay repeats. */
export function retryDelay(attempt: number): number {
  return RETRY_DELAYS_MS[Math.min(Math.max(0, Math.floor(attempt)), RETRY_DELAYS_MS.length - 1)];
}

/** The states in which the panel keeps checking by itself. */
export const RETRYING_STATES = new Set(['app-not-running', 'bridge-disabled', 'host-not-installed', 'disconnected']);
