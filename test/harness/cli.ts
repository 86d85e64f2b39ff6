// Runs the browser harness as its own process (what `npm run dev:browser` starts):
//   node --import tsx test/harness/cli.ts [--local-tenant] [--port N] [--data-dir DIR]
//     [--keychain-service NAME] [--no-bridge] [--json]
// It prints where the console is, the local tenant's Server API URL, tenant id and throwaway
// secret (as `authdesk emulator` does, so its Server API and outbox can be called while it runs),
// and the data dir; it serves the browser bridge like the desktop app, so the extension can be
// tried end to end without Electron (issue #18). It stops by itself when its parent dies (stdin
// closes or the parent pid changes), so an interrupted `npm run` never leaves a server behind.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { bannerFor } from '../../src/emulator/cli';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index';
import { startHarness } from './server';

const { values } = parseArgs({
  options: {
    'local-tenant': { type: 'boolean', default: false },
    port: { type: 'string', default: '0' },
    'data-dir': { type: 'string' },
    'keychain-service': { type: 'string' },
    'no-bridge': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});

async function main(): Promise<void> {
  let emulator: RunningEmulator | null = null;
  let localTenantNote = 'off (pass --local-tenant)';
  if (values['local-tenant']) {
    try {
      // SECURITY: a random secret per run, as the desktop app does: the loopback tenant is reachable by
      // any local process, so it must not answer to a predictable key.
      emulator = await startEmulator({ port: 0, host: '127.0.0.1', seed: 'demo', secret: randomBytes(32).toString('base64url') });
      localTenantNote = `${emulator.origin} (seeded demo users)`;
    } catch (error) {
      localTenantNote = `unavailable (${error instanceof Error ? error.message : String(error)}); started without a local tenant`;
    }
  }
  const harness = await startHarness({
    port: Number(values.port),
    dataDir: values['data-dir'],
    keychainService: values['keychain-service'] ?? (process.env.AUTHDESK_KEYCHAIN_SERVICE?.trim() || 'authdesk-dev-browser'),
    ...(emulator ? { localTenant: { apiUrl: emulator.apiUrl, tenantId: emulator.tenantId, secret: emulator.secret } } : {}),
    serveBridge: !values['no-bridge'],
    onOpen: (url) => console.log(`  Open in Authdesk (from the extension): ${url}`),
  });
  const bridge = await harness.services.bridge.status();
  const bridgeNote = values['no-bridge']
    ? 'off (--no-bridge)'
    : bridge.enabled
      ? bridge.listening
        ? `listening on ${bridge.socketPath}`
        : `on, not listening: ${bridge.problem ?? 'unknown reason'}`
      : 'ready: switch it on in Settings › Browser integration, then load out/extension unpacked';

  let stopping = false;
  const stop = async (code = 0) => {
    if (stopping) return;
    stopping = true;
    await Promise.allSettled([harness.close(), emulator?.close()]);
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  // Parent death: a piped stdin ends when the parent goes; an orphan is re-parented (ppid changes).
  if (!process.stdin.isTTY) {
    process.stdin.on('end', () => void stop(0));
    process.stdin.resume();
  }
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void stop(0);
  }, 1000).unref();

  const banner = emulator ? bannerFor(emulator, { seed: 'demo' }) : null;
  if (values.json) {
    console.log(
      JSON.stringify({
        url: harness.url,
        origin: harness.origin,
        localTenant: emulator?.origin ?? null,
        // The throwaway local tenant's credentials, as `authdesk emulator --json` would give them.
        tenant: banner ? { apiUrl: banner.apiUrl, tenantId: banner.tenantId, secret: banner.secret, dashboardUrl: banner.dashboardUrl } : null,
        dataDir: harness.dataDir,
        bridge: values['no-bridge'] ? null : { socketPath: bridge.socketPath, enabled: bridge.enabled, listening: bridge.listening },
      }),
    );
  } else {
    console.log(`\n  Authdesk console (browser harness): ${harness.url}\n`);
    console.log(`  Local tenant:     ${localTenantNote}`);
    if (banner) {
      // SECURITY: a random secret per run for a loopback-only tenant, printed to this terminal only, as
      // `authdesk emulator` does; it is never written to disk.
      console.log(`    Server API URL: ${banner.apiUrl}`);
      console.log(`    Tenant ID:      ${banner.tenantId}`);
      console.log(`    API secret:     ${banner.secret}`);
      console.log(`    Dashboard:      ${banner.dashboardUrl}`);
    }
    console.log(`  Browser bridge:   ${bridgeNote}`);
    console.log(`  Data dir:         ${harness.dataDir}${values['data-dir'] ? '' : ' (throwaway, removed on exit)'}`);
    console.log('  Press Ctrl+C to stop.\n');
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
