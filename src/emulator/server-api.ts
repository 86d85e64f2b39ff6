import { publicUser } from './actions';
import { requireSecret } from './auth';
import type { Emu } from './context';
import type { Router } from './http';

/** Server API under /v1 (secret auth): what @authsignal/node 2.21 calls. */
export function registerServerApi(router: Router, emu: Emu): void {
  // Users are implicit: an id nobody wrote to answers 200 with isEnrolled false, never 404.
  router.on('GET', '/v1/users/:userId', ({ req, params }) => {
    requireSecret(req, emu.secret);
    return publicUser(emu.store, params.userId);
  });
}
