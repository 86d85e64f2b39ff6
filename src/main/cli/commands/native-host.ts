import { connect, type Socket } from 'node:net';
import type { Command } from 'commander';
import { BRIDGE_PROTOCOL_VERSION, ExtensionOrigin, MAX_FRAME_BYTES, type ErrorFrame, type StateFrame } from '../../../shared/bridge/protocol';
import { bridgeSocketPath } from '../../services/browser-bridge/paths';
import { encodeFrame, FrameReader } from '../../services/browser-bridge/framing';
import { resolveDataDir } from '../../services/paths';
import type { CliContext } from '../context';

/** What the browser is told when the desktop app is not there to answer. */
export const APP_NOT_RUNNING: StateFrame = {
  t: 'state',
  state: 'app-not-running',
  message: 'Authdesk is not running on this computer. Open Authdesk, then try again.',
};

/**
 * The relay between the browser and the desktop app. Chromium starts it (through the launcher the
 * host manifest names) with the extension's origin as its first argument and speaks length-prefixed
 * JSON on stdin/stdout; it forwards each frame unchanged over the per-user socket, after one `host`
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

/** `authdesk native-host <origin>`: started by the browser, never by hand. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('native-host')
    .description('Browser bridge relay: started by Chrome, Chromium, Edge or Brave for the Authdesk extension (not for manual use)')
    .argument('[origin]', 'the calling extension origin, passed by the browser')
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .action(async (origin: string | undefined) => {
      const parsed = ExtensionOrigin.safeParse(origin);
      if (!parsed.success) {
        ctx.io.stderr.write('authdesk native-host is started by the browser for the Authdesk extension; it is not for manual use.\n');
        ctx.exitCode = 2;
        return;
      }
      const dataDir = resolveDataDir(ctx.io.env, ctx.io.platform);
      // The real stdout takes bytes (CliIo types it for text, which every other command writes).
      const stdout = ctx.io.stdout as unknown as { write(chunk: Uint8Array): unknown };
      await runNativeHost({ stdin: ctx.io.stdin, stdout }, { socketPath: bridgeSocketPath(dataDir, ctx.io.platform), origin: parsed.data });
    });
}
