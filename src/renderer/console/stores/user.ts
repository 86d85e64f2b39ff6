import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { UserDetail } from '@shared/domain/user';
import type { RemovalResult, RemoveAllAuthenticatorsInput, RemoveAuthenticatorInput } from '@shared/ipc/channels/authenticators';
import type { RevokeSessionsInput } from '@shared/ipc/channels/users';
import type { Result } from '@shared/ipc/result';
import { useRequest } from '../composables/useRequest';
import { usePlatform } from '../platform/platform';

/**
 * The user view's state: one user's profile, authenticators and recent actions, as main fetched
 * them, and the changes an agent can make. After a change the authenticators are replaced by what
 * main fetched afterwards, never patched from what the console assumed.
 */
export const useUserStore = defineStore('user', () => {
  const platform = usePlatform();

  /** The user being shown (the route's id). */
  const userId = ref<string | null>(null);
  const detail = ref<UserDetail | null>(null);
  const request = useRequest();
  const loading = request.pending;
  const loadError = request.error;
  /** The last removal, for the "removed — revoke sessions?" panel. */
  const lastRemoval = ref<{ result: RemovalResult; reason: string; ticket: string } | null>(null);

  /** Loads (or reloads) a user; an answer for a user no longer shown is dropped. */
  async function load(id: string): Promise<void> {
    if (userId.value !== id) {
      detail.value = null;
      lastRemoval.value = null;
    }
    userId.value = id;
    const result = await request.run(() => platform.users.get({ userId: id }));
    if (userId.value !== id) return;
    if (result.ok) detail.value = result.value;
  }

  function applyRemoval(result: RemovalResult, input: { reason: string; ticket: string }): void {
    if (detail.value && detail.value.profile.userId === result.userId) {
      detail.value = { ...detail.value, authenticators: { ok: true, value: result.remaining } };
    }
    lastRemoval.value = { result, reason: input.reason, ticket: input.ticket };
  }

  /** Removes one authenticator (main re-checks the guardrails and records it). */
  async function removeAuthenticator(input: RemoveAuthenticatorInput): Promise<Result<RemovalResult>> {
    const result = await platform.authenticators.remove(input);
    if (result.ok) applyRemoval(result.value, input);
    return result;
  }

  /** Removes every authenticator the agent saw. */
  async function removeAll(input: RemoveAllAuthenticatorsInput): Promise<Result<RemovalResult>> {
    const result = await platform.authenticators.removeAll(input);
    if (result.ok) applyRemoval(result.value, input);
    return result;
  }

  /** Revokes the user's sessions. */
  function revokeSessions(input: RevokeSessionsInput) {
    return platform.users.revokeSessions(input);
  }

  /** Hides the last-removal panel. */
  function dismissRemoval(): void {
    lastRemoval.value = null;
  }

  return { userId, detail, loading, loadError, lastRemoval, load, removeAuthenticator, removeAll, revokeSessions, dismissRemoval };
});
