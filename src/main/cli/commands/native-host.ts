import type { Command } from 'commander';
import { ExtensionOrigin } from '@shared/bridge/protocol';
import { bridgeSocketPath } from '../../services/browser-bridge/paths';
import { runNativeHost } from '../../services/browser-bridge/native-relay';
import { resolveDataDir } from '../../services/platform/paths';
import type { CliContext } from '../context';

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
