import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { EffectivePolicy, PolicySource } from '@shared/domain/policy';
import type { Result } from '@shared/ipc/result';
import { useRequest } from '../composables/useRequest';
import { usePlatform } from '../platform/platform';

/** How a source reads after "Locked by". */
export const SOURCE_LABELS: Record<PolicySource, string> = {
  managed: 'the managed policy',
  team: 'the team policy',
  local: 'local settings',
  default: 'default',
};

/**
 * The policy in force as main decides it (`settings:policy`): this account's role, and each policy
 * key with where it comes from and whether it is locked. The console hides what the role cannot do
 * and marks locked settings.
 * SECURITY: display only. Main refuses every operation the role may not do, whatever this says.
 */
export const usePolicyStore = defineStore('policy', () => {
  const platform = usePlatform();
  const policy = ref<EffectivePolicy | null>(null);
  const request = useRequest();

  async function load(): Promise<Result<EffectivePolicy>> {
    const result = await request.run(() => platform.settings.policy({}));
    if (result.ok) policy.value = result.value;
    return result;
  }

  /**
   * True when this account is an agent. Until the first answer the console shows what an agent
   * sees (fail closed): admin-only links appear once main says so.
   */
  const isAgent = computed(() => policy.value?.role !== 'admin');

  return { policy, loading: request.pending, error: request.error, load, isAgent };
});
