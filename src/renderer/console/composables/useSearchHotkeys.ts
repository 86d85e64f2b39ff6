import { useRouter } from 'vue-router';
import { useSearchStore } from '../stores/search';
import { useHotkeys } from './useHotkeys';

/**
 * Ctrl/Cmd+K and "/" take the agent to the search box from anywhere in the console ("/" not while
 * typing in a field). Call once, from the app shell.
 */
export function useSearchHotkeys(): void {
  const router = useRouter();
  const search = useSearchStore();
  const open = () => {
    if (router.currentRoute.value.name !== 'search') void router.push({ name: 'search' });
    search.requestFocus();
  };
  useHotkeys({ 'mod+k': open, '/': open });
}
