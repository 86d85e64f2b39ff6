import { defineConsoleRoute } from '../define-route';

/** The helpdesk's home and the console's start page: the search box and the recently opened users. */
export default defineConsoleRoute({
  path: '/search',
  name: 'search',
  component: () => import('@console/views/SearchView.vue'),
  meta: { title: 'Find a user', home: true, nav: { label: 'Find a user', section: 'helpdesk', order: 10 } },
});
