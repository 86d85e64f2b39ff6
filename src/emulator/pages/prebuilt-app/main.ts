import { call, failed } from './api';
import { post } from './dom';
import { start } from './screens';
import { page, type PageContext } from './state';

/**
 * The pre-built UI stand-in's browser script, served as a same-origin file (`/prebuilt/app.js`)
 * under a CSP without 'unsafe-inline' (bundled by ../prebuilt-bundle.ts).
 *
 * What it does: reads the token from its URL (then drops it from the address bar and history),
 * asks the emulator for the action's context, and shows one of three screens: a challenge with an
 * enrolled method, first enrollment (pick a method, enroll, verify), or settings after a challenge
 * when the action has `redirectToSettings`. It calls only the emulator's own Client API. On
 * completion it appends `token=<jwt>` to the action's redirectUrl, or in popup mode posts the
 * JSON-string messages Authsignal's SDK listens for to the opener/parent, only to trusted origins.
 * DOM nodes are built with createElement/textContent, never innerHTML, so no value can inject markup.
 */
post(JSON.stringify({ event: 'AUTHSIGNAL_READY' }));
call<PageContext>('GET', '/prebuilt/api/context')
  .then((json) => {
    page.ctx = json;
    start();
  })
  .catch(failed);
