import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { AppError, isAppError } from '@shared/errors';
import { CHANNEL_NAMES, events, type EventName } from '@shared/ipc';
import { ENROLL_WINDOW_CHANNEL, ENROLL_WINDOW_CHANNELS } from '@shared/ipc/channel-names';
import type { Result } from '@shared/ipc/result';
import type { Router } from '../ipc/router';
import { originOf } from './origin';


const REFUSED: Result<never> = {
  ok: false,
  error: { code: 'forbidden', message: 'This window may not use the Authdesk console. Use the main Authdesk window.' },
};

/**
 * True when the call comes from the top frame of `contents` and that frame shows one of `origins`.
 * SECURITY: an iframe (even a same-origin one) or a window that navigated elsewhere gets nothing;
 * `senderFrame` is null once the frame is gone, which also refuses.
 */
export function isTopFrameOf(event: IpcMainInvokeEvent, contents: WebContents, origins: ReadonlySet<string>): boolean {
  if (event.sender !== contents) return false;
  const frame = event.senderFrame;
  const top = contents.mainFrame;
  if (!frame || frame.parent !== null || frame.processId !== top.processId || frame.routingId !== top.routingId) return false;
  const origin = originOf(frame.url);
  return origin !== null && origins.has(origin);
}

/** What the console window transport needs to know about the console. */
export interface ConsoleTarget {
  /** The console window, when it exists. */
  window(): BrowserWindow | null;
  /** Origins the console is served from (`app://authdesk`, or the dev server in development). */
  readonly origins: ReadonlySet<string>;
}

/** The running transport. */
export interface IpcTransport {
  /** Pushes an event to the console window only, after shaping it with its schema. */
  sendEvent(name: EventName, payload: unknown): void;
  /** Removes the handlers (tests, shutdown). */
  dispose(): void;
}

/**
 * Serves the router over ipcMain: one handler per channel of the schema table, each answering
 * only the console window's top frame on the console origin. The only place `ipcMain` is used.
 */
export function registerIpcTransport(
  router: Router,
  target: ConsoleTarget,
  onRefused: (channel: string) => void = () => {},
): IpcTransport {
  for (const name of CHANNEL_NAMES) {
    ipcMain.handle(name, (event, input: unknown): Promise<Result<unknown>> | Result<unknown> => {
      const win = target.window();
      if (!win || win.isDestroyed() || !isTopFrameOf(event, win.webContents, target.origins)) {
        // SECURITY: refused before the router, so nothing from a foreign frame is even parsed.
        onRefused(name);
        return REFUSED;
      }
      return router.handle(name, input, { transport: 'electron' });
    });
  }
  return {
    sendEvent(name, payload) {
      const win = target.window();
      if (!win || win.isDestroyed()) return;
      // SECURITY: events go through their schema too, so an extra field (a secret) cannot ride along.
      const shaped = events[name].safeParse(payload);
      if (!shaped.success) {
        console.error(`Dropped event ${name}: its payload did not match the schema`);
        return;
      }
      win.webContents.send(name, shaped.data);
    },
    dispose() {
      for (const name of CHANNEL_NAMES) ipcMain.removeHandler(name);
    },
  };
}

/** What an enrollment window's bridge answers; the sandboxed-window host provides one per window. */
export interface EnrollWindowBinding {
  /** The web contents the binding belongs to; calls from any other are refused. */
  readonly contents: WebContents;
  /** Origins that window's top frame may show when it calls. */
  readonly origins: ReadonlySet<string>;
  /** The session data the enroll page needs (may include the short-lived user token). */
  session(): unknown;
  /** The page finished; `result` is untrusted and validated by the receiver. */
  complete(result: unknown): unknown;
  /** The page gave up. */
  cancel(reason: string): unknown;
}

async function answer(work: () => unknown): Promise<Result<unknown>> {
  try {
    return { ok: true, value: (await work()) ?? null };
  } catch (error) {
    if (isAppError(error)) return { ok: false, error: AppError.prototype.toInfo.call(error) };
    console.error('Enrollment window call failed');
    return { ok: false, error: { code: 'internal', message: 'The enrollment window hit a problem. Close it and start again.' } };
  }
}

/**
 * The enrollment windows' three channels, answered only for the window the binding belongs to.
 * `lookup` finds the binding for the calling web contents (null for the console or any other).
 */
export function registerEnrollWindowChannels(lookup: (contents: WebContents) => EnrollWindowBinding | null): () => void {
  const bound = (event: IpcMainInvokeEvent): EnrollWindowBinding | null => {
    const binding = lookup(event.sender);
    // SECURITY: the console (or any other window) cannot read an enrollment session, and a frame
    // inside the enrollment page cannot complete it.
    return binding && isTopFrameOf(event, binding.contents, binding.origins) ? binding : null;
  };
  ipcMain.handle(ENROLL_WINDOW_CHANNEL.session, (event) => {
    const binding = bound(event);
    return binding ? answer(() => binding.session()) : REFUSED;
  });
  ipcMain.handle(ENROLL_WINDOW_CHANNEL.complete, (event, result: unknown) => {
    const binding = bound(event);
    return binding ? answer(() => binding.complete(result)) : REFUSED;
  });
  ipcMain.handle(ENROLL_WINDOW_CHANNEL.cancel, (event, reason: unknown) => {
    const binding = bound(event);
    const text = typeof reason === 'string' ? reason.slice(0, 200) : 'cancelled';
    return binding ? answer(() => binding.cancel(text)) : REFUSED;
  });
  return () => {
    for (const name of ENROLL_WINDOW_CHANNELS) ipcMain.removeHandler(name);
  };
}
