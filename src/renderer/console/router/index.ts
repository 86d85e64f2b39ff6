import {
  createRouter,
  createWebHashHistory,
  type RouteRecordRaw,
  type Router,
  type RouterHistory,
} from 'vue-router';
import type { NavEntry } from './route-meta';

const files = import.meta.glob<{ default: RouteRecordRaw }>('./routes/*.ts', { eager: true });

/**
 * The route table from the views' route records: `/` redirects to the route marked `meta.home`
 * (else the tenant settings, which always exist), and the catch-all comes last.
 */
export function buildRoutes(records: readonly RouteRecordRaw[]): { routes: RouteRecordRaw[]; home: { name: string } } {
  const marked = records.find((r) => r.meta?.home && typeof r.name === 'string');
  const home = { name: typeof marked?.name === 'string' ? marked.name : 'tenants' };
  const isCatchAll = (r: RouteRecordRaw) => Number(r.path.includes(':pathMatch'));
  return { routes: [{ path: '/', redirect: home }, ...[...records].sort((a, b) => isCatchAll(a) - isCatchAll(b))], home };
}

const built = buildRoutes(Object.values(files).map((m) => m.default));

/** Every view's route, collected from `router/routes/*.ts`. */
export const consoleRoutes: RouteRecordRaw[] = built.routes;

/** Where the console opens (the route with `meta.home`). */
export const HOME_ROUTE: { name: string } = built.home;

/** A navigation link, resolved from a route's `meta.nav`. */
export interface NavLink extends NavEntry {
  name: string;
  /** The route is for security admins only (`meta.adminOnly`): the navigation hides it from agents. */
  adminOnly: boolean;
}

/** Navigation links grouped in section order, each section sorted by `order`. */
export function navLinks(routes: readonly RouteRecordRaw[] = consoleRoutes): NavLink[] {
  const sections: NavEntry['section'][] = ['helpdesk', 'admin', 'settings'];
  return routes
    .filter((r): r is RouteRecordRaw & { name: string; meta: { nav: NavEntry } } => typeof r.name === 'string' && !!r.meta?.nav)
    .map((r) => ({ ...r.meta.nav, name: r.name, adminOnly: r.meta.adminOnly !== undefined }))
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
