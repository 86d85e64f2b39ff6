import { defineConsoleRoute } from '../define-route';

/** Where an agent lands who opened a security-admin view (issue #12); `?from=` names the view. */
export default defineConsoleRoute({
  path: '/not-for-your-role',
  name: 'role-forbidden',
  component: () => import('@console/views/RoleForbiddenView.vue'),
  meta: { title: 'Not available for your role' },
});
