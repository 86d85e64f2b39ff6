import { defineConsoleRoute } from '../define-route';

/** Settings: agent name, per-tenant caller verification policy, stale threshold, enrollment action code. */
export default defineConsoleRoute({
  path: '/settings/general',
  name: 'settings',
  component: () => import('@console/views/SettingsView.vue'),
  // Next to Tenants in the Settings section: the policies here are set per tenant profile.
  meta: { title: 'Settings', nav: { label: 'General', section: 'settings', order: 20 } },
});
