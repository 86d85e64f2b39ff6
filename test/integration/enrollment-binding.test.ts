import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index';
import type { EmulatorProfile } from '../../src/emulator/profile';
import { createServices, type Services } from '../../src/main/services/container';
import type { EnrollmentHost, EnrollmentWindowRequest } from '../../src/main/services/enrollment/enrollment-host';
import type { EnrollmentView, GuidedSession } from '@shared/domain/enrollment';
import type { VerificationOptions, VerificationView } from '@shared/domain/verification';
import { routerOver } from '../support/data-dir';
import { latestMessage, outboxCount } from '../support/emulator-page';

/**
 * The binding rule, as a mutation test (issue #13): the guided page gets a token scoped
 * `add:authenticators` for an enrolled user whose caller Authdesk verified. Here a relay between
 * Authdesk and the local tenant can drop that scope from the enrollment's `track` call on the
 * wire. Under the strict profile the user's page is then refused; under the default profile a
 * code the caller read back a minute earlier still opens the tenant's binding window, so the
 * regression would pass unnoticed, which is why the suite also runs strict.
 */

/** A relay to the emulator that can rewrite the JSON body of the enrollment's track call. */
interface TrackRelay {
  apiUrl: string;
  /** Bodies of the enrollment track calls as Authdesk sent them (before any rewrite). */
  sent: Record<string, unknown>[];
  close(): Promise<void>;
}

async function startTrackRelay(target: string, dropScope: boolean): Promise<TrackRelay> {
  const upstream = new URL(target);
  const sent: Record<string, unknown>[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.method === 'POST' && /\/v1\/users\/[^/]+\/actions\/authdesk-enroll$/.test(req.url ?? '')) {
        const json = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
        sent.push({ ...json });
        if (dropScope) delete json.scope;
        body = Buffer.from(JSON.stringify(json));
      }
      const headers: IncomingHttpHeaders = { ...req.headers, host: upstream.host, 'content-length': String(body.length) };
      const out = request({ hostname: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      out.on('error', () => req.socket.destroy());
      out.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    apiUrl: `http://127.0.0.1:${port}/v1`,
    sent,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A host that only remembers the windows it was asked to open. */
class RecordingHost implements EnrollmentHost {
  readonly opened: EnrollmentWindowRequest[] = [];
  guidedPage() {
    return { url: 'http://localhost:1/enroll/index.html', origin: 'http://localhost:1', webauthn: { available: true } };
  }
  open(request: EnrollmentWindowRequest) {
    this.opened.push(request);
    return { close: () => request.onClosed() };
  }
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * Verifies Ada's caller by a code to her enrolled email, opens the guided page for her and has
 * "her page" start enrolling another email code with the session's token. Answers the Client API's status and what Authdesk had sent to `track`.
 */
async function guidedEnrollment(profile: EmulatorProfile, dropScope: boolean): Promise<{ status: number; errorCode?: unknown; sent: Record<string, unknown>[] }> {
  const emulator: RunningEmulator = await startEmulator({ seed: 'demo', profile });
  cleanups.push(() => emulator.close());
  const relay = await startTrackRelay(emulator.apiUrl, dropScope);
  cleanups.push(() => relay.close());
  const dataDir = await mkdtemp(join(process.env.AUTHDESK_TEST_TMP ?? tmpdir(), 'binding-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const host = new RecordingHost();
  const services: Services = createServices({
    dataDir,
    keychainService: `authdesk-binding-test-${process.pid}`,
    appVersion: '0.0.0-test',
    localTenant: { apiUrl: relay.apiUrl, tenantId: emulator.tenantId, secret: emulator.secret },
    enrollmentHost: host,
  });
  cleanups.push(() => services.close());
  const { ok } = routerOver(services);

  // Ada has a passkey and an email code authenticator on ada@example.com; the caller check sends a
  // code there, which the tenant counts as a challenge passed with an enrolled authenticator.
  const userId = 'usr_ada';
  const email = 'ada@example.com';
  const options = await ok<VerificationOptions>('verification:options', { userId });
  const target = options.targets.find((t) => t.method === 'email-otp')!;
  const before = await outboxCount(emulator, email);
  const started = await ok<VerificationView>('verification:start', { userId, method: 'email-otp', targetRef: target.ref });
  const { code } = await latestMessage(emulator, email, before);
  expect(await ok<VerificationView>('verification:submit-code', { verificationId: started.id, code })).toMatchObject({ status: 'verified' });

  const view = await ok<EnrollmentView>('enrollment:start', { userId, mode: 'guided-window' });
  expect(view).toMatchObject({ status: 'open', firstEnrollment: false });
  const session = host.opened.at(-1)!.bridge!.session() as GuidedSession;
  // The page talks to the tenant directly with the session's token, as the guided page does.
  const res = await fetch(`${emulator.apiUrl}/client/user-authenticators/email-otp`, {
    method: 'POST',
    headers: { authorization: `Bearer ${session.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'ada.second@example.com' }),
  });
  const json = (await res.json()) as { errorCode?: unknown };
  return { status: res.status, errorCode: json.errorCode, sent: relay.sent };
}

describe('the guided enrollment track call and the binding rule', () => {
  it('asks for add:authenticators, and with it the page may add an authenticator under either profile', async () => {
    for (const profile of ['default', 'strict'] as const) {
      const outcome = await guidedEnrollment(profile, false);
      expect(outcome.sent).toHaveLength(1);
      expect(outcome.sent[0].scope).toBe('add:authenticators');
      expect(outcome.status, profile).toBe(200);
    }
  });

  it('fails under the strict profile when add:authenticators is dropped from the track call', async () => {
    const outcome = await guidedEnrollment('strict', true);
    // The mutation removed something that was there.
    expect(outcome.sent[0].scope).toBe('add:authenticators');
    expect(outcome.status).toBe(403);
    expect(outcome.errorCode).toBe('insufficient_scope');
  });

  it('would go unnoticed under the default profile, whose binding window any recent challenge opens', async () => {
    const outcome = await guidedEnrollment('default', true);
    expect(outcome.sent[0].scope).toBe('add:authenticators');
    expect(outcome.status).toBe(200);
  });
});
