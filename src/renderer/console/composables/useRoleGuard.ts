import { onScopeDispose } from 'vue';
import { useRouter, type RouteLocationNormalized, type RouteLocationRaw } from 'vue-router';
import { usePolicyStore } from '../stores/policy';

/**
 * Sends an agent who opens a security-admin view (`meta.adminOnly`, e.g. a typed coverage URL) to
 * the role-forbidden view, which says what their role cannot do and whom to ask, instead of the
 * view failing on main's raw `forbidden`. Installed by the shell (where Pinia is ready); the route
 * the console opened on was resolved before, so it is checked once here too.
 * SECURITY: a courtesy only. Main refuses every call of those views to an agent (audited).
 */
export function useRoleGuard(): void {
  const router = useRouter();
  const policy = usePolicyStore();

  async function check(to: RouteLocationNormalized): Promise<true | RouteLocationRaw> {
    if (!policy.policy) await policy.load();
    // Fail closed: a role main has not stated (the policy could not be read) is treated as an agent's.
    if (!policy.isAgent) return true;
    return { name: 'role-forbidden', query: { from: to.fullPath } };
  }

  // Synchronous for every other route: no extra tick on ordinary navigations.
  const stop = router.beforeEach((to) => (to.meta.adminOnly ? check(to) : true));
  onScopeDispose(stop);
  const opened = router.currentRoute.value;
  if (opened.meta.adminOnly) {
    void check(opened).then((to) => {
      if (to !== true) void router.replace(to);
    });
  }
}
