import { connect, type Socket } from 'node:net';
import { BRIDGE_PROTOCOL_VERSION, ExtensionOrigin, MAX_FRAME_BYTES, type ErrorFrame, type StateFrame } from '@shared/bridge/protocol';
import { encodeFrame, FrameReader } from './framing';

// The native host relay, in plain Node so both `authdesk native-host` (the CLI, in a dev checkout)
// and the packaged Electron app (started by the browser as its own host) run the same code.

/** What the browser is told when the desktop app is not there to answer. */
export const APP_NOT_RUNNING: StateFrame = {
  t: 'state',
  state: 'app-not-running',
  message: 'Authdesk is not running on this computer. Open Authdesk, then try again.',
};

/**
 * The relay between the browser and the desktop app. Chromium starts it (the program the host
 * manifest names: the packaged app itself, or a dev launcher) with the extension's origin as its
 * first argument and speaks length-prefixed JSON on stdin/stdout; it forwards each frame unchanged over the per-user socket, after one `host`
 * frame naming the origin. It holds no key and reads no content: the session above it is
 * end-to-end between the extension and the app. It only enforces the 1 MiB limit both ways and,
 * when the app is not running, answers every frame with the "open Authdesk" state.
 */
export function runNativeHost(
  io: { stdin: NodeJS.ReadableStream; stdout: { write(chunk: Uint8Array): unknown } },
  options: { socketPath: string; origin: string },
): Promise<void> {
  const write = (frame: Buffer) => io.stdout.write(frame);
  const reply = (frame: ErrorFrame | StateFrame) => write(encodeFrame(frame));
  let socket: Socket | undefined;
  let connecting: Promise<Socket | undefined> | undefined;
  let chain: Promise<void> = Promise.resolve();

  const open = () =>
    (connecting ??= new Promise<Socket | undefined>((resolve) => {
      const s = connect(options.socketPath);
      s.once('connect', () => {
        s.write(encodeFrame({ t: 'host', v: BRIDGE_PROTOCOL_VERSION, origin: options.origin }));
        const reader = new FrameReader(MAX_FRAME_BYTES);
        s.on('data', (chunk: Buffer) => {
          for (const event of reader.push(chunk)) {
            if (event.kind === 'oversized') reply({ t: 'error', code: 'internal', message: 'Authdesk sent an answer over the 1 MiB limit; it was dropped.' });
            else write(Buffer.concat([lengthOf(event.body.length), event.body]));
          }
        });
        s.on('close', () => {
          if (socket === s) {
            socket = undefined;
            connecting = undefined;
            reply({ t: 'error', code: 'unavailable', message: 'The connection to Authdesk closed. The next request reconnects.' });
          }
        });
        socket = s;
        resolve(s);
      });
      s.once('error', () => {
        s.destroy();
        connecting = undefined;
        resolve(undefined);
      });
    }));

  return new Promise<void>((resolve) => {
    const reader = new FrameReader(MAX_FRAME_BYTES);
    io.stdin.on('data', (chunk: Buffer) => {
      for (const event of reader.push(chunk)) {
        if (event.kind === 'oversized') {
          // SECURITY: never buffer or forward more than 1 MiB; say so and skip the bytes.
          reply({ t: 'error', code: 'validation', message: `A message of ${event.length} bytes is over the 1 MiB limit and was refused.` });
          continue;
        }
        const frame = Buffer.concat([lengthOf(event.body.length), event.body]);
        chain = chain.then(async () => {
          const s = socket ?? (await open());
          if (!s) reply(APP_NOT_RUNNING);
          else s.write(frame);
        });
      }
    });
    const finish = () => {
      void chain.then(() => {
        socket?.destroy();
        resolve();
      });
    };
    io.stdin.once('end', finish);
    io.stdin.once('close', finish);
  });
}

function lengthOf(n: number): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32LE(n, 0);
  return head;
}


/**
 * The extension origin Chromium passed to a native host, when it names one of `allowedIds`.
 * Chromium starts a host as `<path> chrome-extension://<id>/ [--parent-window=N]`: the origin is
 * the first argument after the program (`skip` more when a script path precedes it, as with
 * `electron .`). Anything else, including another extension's origin, gives null.
 */
export function extensionOriginFromArgv(argv: readonly string[], allowedIds: readonly string[], skip = 1): string | null {
  const first = argv.slice(skip).find((arg) => !arg.startsWith('--'));
  const parsed = ExtensionOrigin.safeParse(first);
  if (!parsed.success) return null;
  const id = parsed.data.slice('chrome-extension://'.length, -1);
  return allowedIds.includes(id) ? parsed.data : null;
}
