import { defineStore } from 'pinia';
import { computed, onScopeDispose, ref } from 'vue';
import type { TenantSummary } from '@shared/domain/tenant';
import type { ChannelInput, ChannelOutput } from '@shared/ipc';
import type { Result } from '@shared/ipc/result';
import { useRequest } from '../composables/useRequest';
import { usePlatform } from '../platform/platform';

type TenantList = ChannelOutput<'tenants:list'>;
type TenantAddInput = ChannelInput<'tenants:add'>;
type TenantTestInput = ChannelInput<'tenants:test'>;

/**
 * Tenant profiles as main knows them. The list is replaced wholesale from main (each mutation
 * answers with it, and `tenants:list-changed` pushes it when another window or the CLI changes it),
 * so the console never keeps its own idea of which tenant is active.
 *
 * SECURITY: secrets pass through `add`/`rotateSecret` as call arguments only; nothing here stores them.
 */
export const useTenantsStore = defineStore('tenants', () => {
  const platform = usePlatform();

  const tenants = ref<TenantSummary[]>([]);
  const activeId = ref<string | null>(null);
  /** True once the first list arrived (distinguishes "loading" from "empty"). */
  const loaded = ref(false);
  const listRequest = useRequest();
  const loading = listRequest.pending;
  const loadError = listRequest.error;

  const activeTenant = computed(() => tenants.value.find((t) => t.id === activeId.value) ?? null);
  /** The built-in local tenant (the embedded emulator) is the one in use. */
  const onLocalTenant = computed(() => activeTenant.value?.kind === 'local');

  function applyList(list: TenantList): void {
    tenants.value = list.tenants;
    activeId.value = list.activeId;
    loaded.value = true;
  }

  const stop = platform.events.onTenantsListChanged((list) => applyList(list));
  onScopeDispose(stop);

  /** Loads the list (again). */
  async function load(): Promise<Result<TenantList>> {
    const result = await listRequest.run(() => platform.tenants.list());
    if (result.ok) applyList(result.value);
    return result;
  }

  /** Adds a profile; with `testFirst` (the default) main saves it only if the connection works. */
  async function add(input: TenantAddInput): Promise<Result<TenantSummary>> {
    const result = await platform.tenants.add(input);
    if (result.ok) await load();
    return result;
  }

  /** Renames a profile. */
  async function rename(id: string, name: string): Promise<Result<TenantSummary>> {
    const result = await platform.tenants.rename({ id, name });
    if (result.ok) upsert(result.value);
    return result;
  }

  /** Makes a profile the one the console works on. */
  async function setActive(id: string): Promise<Result<TenantList>> {
    const result = await platform.tenants.setActive({ id });
    if (result.ok) applyList(result.value);
    return result;
  }

  /** Replaces a profile's secret (tested first unless `testFirst` is false). */
  async function rotateSecret(id: string, secret: string, testFirst = true): Promise<Result<TenantSummary>> {
    const result = await platform.tenants.rotateSecret({ id, secret, testFirst });
    if (result.ok) upsert(result.value);
    return result;
  }

  /** Tests a saved profile or candidate credentials. */
  function test(input: TenantTestInput) {
    return platform.tenants.test(input);
  }

  /** The readiness report of a tenant; `probeActions` tracks the actions Authdesk uses on a probe user. */
  function checkReadiness(id: string, probeActions = false) {
    return platform.tenants.checkReadiness({ id, probeActions });
  }

  /** Removes a profile and its keychain entry. */
  async function remove(id: string): Promise<Result<TenantList>> {
    const result = await platform.tenants.remove({ id });
    if (result.ok) applyList(result.value);
    return result;
  }

  function upsert(summary: TenantSummary): void {
    const i = tenants.value.findIndex((t) => t.id === summary.id);
    if (i === -1) tenants.value = [...tenants.value, summary];
    else tenants.value = tenants.value.map((t) => (t.id === summary.id ? summary : t));
  }

  return {
    tenants,
    activeId,
    loaded,
    loading,
    loadError,
    activeTenant,
    onLocalTenant,
    load,
    add,
    rename,
    setActive,
    rotateSecret,
    test,
    checkReadiness,
    remove,
  };
});
