import { defineConsoleRoute } from '../define-route';

/** Anything unknown (an old bookmark, a typo) lands here instead of a blank page. */
export default defineConsoleRoute({
  path: '/:pathMatch(.*)*',
  name: 'not-found',
  component: () => import('@console/views/NotFoundView.vue'),
  meta: { title: 'Page not found' },
});
