import type { RouteRecordRaw } from 'vue-router';

/**
 * One route file per view in `router/routes/` (`export default defineConsoleRoute({...})`): the
 * router collects them all, so adding a view never edits a shared list. Give `meta.title` always and
 * `meta.nav` when the view belongs in the navigation, `meta.home` on the one view the console opens
 * on; load the component with a dynamic import so each view is its own chunk.
 */
export function defineConsoleRoute(route: RouteRecordRaw & { meta: { title: string } }): RouteRecordRaw {
  return route;
}
