import { nextTick, onScopeDispose, type Ref } from 'vue';
import { START_LOCATION, useRouter } from 'vue-router';
import { activeElement } from '../lib/dom';

/**
 * After an in-app navigation, moves focus to the new view's heading (else to `main`), so keyboard and
 * screen reader users start at the top of what they asked for instead of on a link that vanished.
 * The first navigation (app start) and query-only changes leave focus alone.
 */
export function useRouteFocus(main: Ref<HTMLElement | null>): void {
  const router = useRouter();
  const stop = router.afterEach(async (to, from, failure) => {
    if (failure || from === START_LOCATION || to.path === from.path) return;
    await nextTick();
    // The view may already have put focus somewhere on purpose (e.g. a form it was asked to open).
    if (main.value?.contains(activeElement()) && activeElement() !== main.value) return;
    const target = main.value?.querySelector<HTMLElement>('h1') ?? main.value;
    if (!target) return;
    if (!target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1');
    target.focus();
  });
  onScopeDispose(stop);
}
