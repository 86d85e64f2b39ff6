/**
 * The console's public entry: exactly what the browser extension may use (issue #16). Everything
 * else under src/renderer/console is internal and may move without notice; an ESLint zone stops
 * src/extension from importing any other `@console/*` path. Add a name here before the extension
 * uses it, and keep it to what the extension really needs.
 */

// Platform: the seam the extension fills with its bridge-backed adapter.
export { installPlatform, type Platform } from './platform/platform';
export { createPlatform } from './platform/transport';

// Stores the side panel drives.
export { useSearchStore } from './stores/search';
export { useUserStore } from './stores/user';

// Primitives and user panels the side panel's user view is built from.
export { default as BaseErrorState } from './components/BaseErrorState.vue';
export { default as BaseLoadingState } from './components/BaseLoadingState.vue';
export { default as UserActionHistory } from './components/user/UserActionHistory.vue';
export { default as UserAuthenticatorList } from './components/user/UserAuthenticatorList.vue';
export { default as UserProfilePanel } from './components/user/UserProfilePanel.vue';

/** The console's search view, loaded on demand so the side panel's first paint stays small. */
export const loadSearchView = () => import('./views/SearchView.vue');
