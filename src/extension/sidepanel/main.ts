import { createPinia } from 'pinia';
import { createApp } from 'vue';
import { createRouter, createWebHashHistory } from 'vue-router';
import { installPlatform, loadSearchView } from '@console/public';
import { createExtensionPlatform, createNativeClient } from '../platform/extension';
import { loadIdentity } from '../platform/identity';
import { BRIDGE_CLIENT_KEY } from './bridge-key';
import SidePanelApp from './SidePanelApp.vue';
import '@console/public.css';
import './sidepanel.css';

/** The side panel: the console's search and user views over the bridge, in a narrow column. */
async function start(): Promise<void> {
  const client = createNativeClient(await loadIdentity());
  const app = createApp(SidePanelApp);
  installPlatform(app, createExtensionPlatform(client));
  app.provide(BRIDGE_CLIENT_KEY, client);
  app.use(createPinia());
  app.use(
    createRouter({
      history: createWebHashHistory(),
      routes: [
        { path: '/', redirect: { name: 'search' } },
        // The console's own search view; its search box opens users by the route name `user`.
        { path: '/search', name: 'search', component: loadSearchView },
        { path: '/users/:userId', name: 'user', component: () => import('./SidePanelUserView.vue'), props: true },
        { path: '/:pathMatch(.*)*', redirect: { name: 'search' } },
      ],
    }),
  );
  app.mount('#app');
}

void start();
