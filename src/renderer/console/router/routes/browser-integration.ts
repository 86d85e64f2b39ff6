import { defineConsoleRoute } from '../define-route';

/** Settings: browser integration (issue #8): on/off, pairing requests to confirm, paired browsers. */
export default defineConsoleRoute({
  path: '/settings/browser',
  name: 'browser-integration',
  component: () => import('@console/views/BrowserIntegrationView.vue'),
  meta: { title: 'Browser integration', nav: { label: 'Browser integration', section: 'settings', order: 30 } },
});
