import { defineConsoleRoute } from '../define-route';

/** One user: profile, authenticators, the last 30 days of actions, and the safe changes. */
export default defineConsoleRoute({
  path: '/users/:userId',
  name: 'user',
  component: () => import('@console/views/UserView.vue'),
  props: true,
  meta: { title: 'User' },
});
