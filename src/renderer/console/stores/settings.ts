import { defineStore } from 'pinia';
import { ref } from 'vue';
import { DEFAULT_TENANT_POLICY, type SettingsPatch, type SettingsView, type TenantPolicy } from '@shared/domain/settings';
import type { Result } from '@shared/ipc/result';
import { useRequest } from '../composables/useRequest';
import { usePlatform } from '../platform/platform';

/**
 * The console settings as main keeps them (`settings:get` / `settings:update`): agent name, each
 * tenant's policy, stale threshold and enrollment action code. Main validates and records every
 * change in the audit log; this store only mirrors the answer, so what the view shows is what was
 * saved.
 */
export const useSettingsStore = defineStore('settings', () => {
  const platform = usePlatform();

  /** The last settings main answered with; null until the first load. */
  const settings = ref<SettingsView | null>(null);
  /** True once the first answer arrived (distinguishes "loading" from "failed"). */
  const loaded = ref(false);
  const loadRequest = useRequest();
  const loading = loadRequest.pending;
  const loadError = loadRequest.error;
  const saveRequest = useRequest();
  const saving = saveRequest.pending;

  /** Loads the settings (again). */
  async function load(): Promise<Result<SettingsView>> {
    const result = await loadRequest.run(() => platform.settings.get({}));
    if (result.ok) {
      settings.value = result.value;
      loaded.value = true;
    }
    return result;
  }

  /**
   * Sends a change; main refuses it (nothing saved) when a value is not valid or the audit log
   * cannot record it. On success the store holds main's answer.
   */
  async function update(patch: SettingsPatch): Promise<Result<SettingsView>> {
    const result = await saveRequest.run(() => platform.settings.update(patch));
    if (result.ok) {
      settings.value = result.value;
      loaded.value = true;
    }
    return result;
  }

  /** The policy in force for a tenant: the saved one, or the safe default (verification on). */
  function policyFor(tenantId: string): TenantPolicy {
    const own = settings.value && Object.hasOwn(settings.value.tenantPolicies, tenantId) ? settings.value.tenantPolicies[tenantId] : undefined;
    return { ...DEFAULT_TENANT_POLICY, ...own };
  }

  return { settings, loaded, loading, loadError, saving, load, update, policyFor };
});
