import {
  createRouter,
  createWebHashHistory,
  type RouteRecordRaw,
  type Router,
  type RouterHistory,
} from 'vue-router';
import type { NavEntry } from './route-meta';

/** Where the console opens. TODO(#4): the search view, once it exists. */
export const HOME_ROUTE = { name: 'tenants' } as const;

const files = import.meta.glob<{ default: RouteRecordRaw }>('./routes/*.ts', { eager: true });

/** Every view's route, collected from `router/routes/*.ts`, the catch-all last. */
export const consoleRoutes: RouteRecordRaw[] = [
  { path: '/', redirect: HOME_ROUTE },
  ...Object.values(files)
    .map((m) => m.default)
    .sort((a, b) => Number(a.path.includes(':pathMatch')) - Number(b.path.includes(':pathMatch'))),
];

/** A navigation link, resolved from a route's `meta.nav`. */
export interface NavLink extends NavEntry {
  name: string;
}

/** Navigation links grouped in section order, each section sorted by `order`. */
export function navLinks(routes: readonly RouteRecordRaw[] = consoleRoutes): NavLink[] {
  const sections: NavEntry['section'][] = ['helpdesk', 'admin', 'settings'];
  return routes
    .filter((r): r is RouteRecordRaw & { name: string; meta: { nav: NavEntry } } => typeof r.name === 'string' && !!r.meta?.nav)
    .map((r) => ({ ...r.meta.nav, name: r.name }))
    .sort((a, b) => sections.indexOf(a.section) - sections.indexOf(b.section) || a.order - b.order);
}

/**
 * The console's router. Hash history because the app is served from `app://` files (and the harness
 * serves the same files), so no server needs to know the routes. Tests pass a memory history.
 */
export function createConsoleRouter(history: RouterHistory = createWebHashHistory()): Router {
  const router = createRouter({ history, routes: consoleRoutes });
  router.afterEach((to) => {
    document.title = to.meta.title ? `${to.meta.title} · Authdesk` : 'Authdesk';
  });
  return router;
}
