/**
 * Every IPC channel and event, by name, with no schema attached. Kept apart from the schemas so
 * the sandboxed preload can build `window.authdesk` without bundling zod. The compiler proves this
 * list and the schema table in `channels/index.ts` name exactly the same channels.
 *
 * Naming: `domain:verb` (kebab-case verb) for calls, `domain:noun-changed` for events.
 */
export const CHANNEL_NAMES = [
  'app:info',
  'tenants:list',
  'tenants:add',
  'tenants:rename',
  'tenants:set-active',
  'tenants:rotate-secret',
  'tenants:test',
  'tenants:check-readiness',
  'tenants:remove',
  'audit:list',
  'audit:verify',
  'audit:status',
  'audit:repair',
  'team:status',
  'team:list',
  'team:compare',
  'team:connect',
  'team:disconnect',
  'settings:get',
  'settings:update',
  'settings:confirm-external',
  'settings:policy',
  'verification:options',
  'verification:start',
  'verification:submit-code',
  'verification:check',
  'verification:record-offline',
  'verification:cancel',
  'enrollment:options',
  'enrollment:start',
  'enrollment:check',
  'enrollment:cancel',
  'bridge:status',
  'bridge:set-enabled',
  'bridge:confirm-pairing',
  'bridge:reject-pairing',
  'bridge:revoke',
  'users:search',
  'users:get',
  'users:recent',
  'users:revoke-sessions',
  'authenticators:remove',
  'authenticators:remove-all',
  'coverage:upload',
  'coverage:start',
  'coverage:cancel',
  'coverage:status',
  'coverage:rows',
  'coverage:export',
  'evidence:export',
] as const;

/** Events pushed from main to the console window. */
export const EVENT_NAMES = ['tenants:list-changed', 'coverage:progress-changed'] as const;

/**
 * The guided-enrollment window's own channels (src/preload/enroll.ts), by what they do.
 * SECURITY: apart from CHANNEL_NAMES on purpose: the console never gets them, and that window
 * gets nothing else.
 */
export const ENROLL_WINDOW_CHANNEL = {
  session: 'enroll-window:session',
  complete: 'enroll-window:complete',
  cancel: 'enroll-window:cancel',
} as const;

/** Every enrollment-window channel name. */
export const ENROLL_WINDOW_CHANNELS = Object.values(ENROLL_WINDOW_CHANNEL);

export type ChannelName = (typeof CHANNEL_NAMES)[number];
export type EventName = (typeof EVENT_NAMES)[number];
