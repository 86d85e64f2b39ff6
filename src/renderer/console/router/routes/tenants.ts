import { defineConsoleRoute } from '../define-route';

/** Settings: tenant profiles (list, add, test, set active, rename, rotate secret, remove). */
export default defineConsoleRoute({
  path: '/settings/tenants',
  name: 'tenants',
  component: () => import('@console/views/TenantsView.vue'),
  meta: { title: 'Tenants', nav: { label: 'Tenants', section: 'settings', order: 10 } },
});
