import { defineConsoleRoute } from '../define-route';

/** Enrollment coverage across a list of users, its report, exports and evidence packs. */
export default defineConsoleRoute({
  path: '/admin/coverage',
  name: 'coverage',
  component: () => import('@console/views/CoverageView.vue'),
  meta: {
    title: 'Enrollment coverage',
    adminOnly: { action: 'run coverage', about: 'Coverage runs, their exports and evidence packs' },
    nav: { label: 'Coverage', section: 'admin', order: 10 },
  },
});
