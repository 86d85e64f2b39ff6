import { defineConsoleRoute } from '../define-route';

/** The console audit log: every lookup and change, filterable, with a chain verification. */
export default defineConsoleRoute({
  path: '/admin/audit',
  name: 'audit',
  component: () => import('@console/views/AuditLogView.vue'),
  meta: { title: 'Audit log', nav: { label: 'Audit log', section: 'admin', order: 30 } },
});
