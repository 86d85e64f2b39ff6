import { describe, expect, it } from 'vitest';
import { clientConfig, formatTeamUrl, isLoopback, parseTeamUrl } from '../../../src/main/services/audit/team/connection';
import { scramVerifier } from '../../../src/main/services/audit/team/scram';

describe('team store URL', () => {
  it('defaults to TLS with full certificate and host checks', () => {
    const c = parseTeamUrl('postgres://agent_alice@db.example.com/helpdesk');
    expect(c).toEqual({ host: 'db.example.com', port: 5432, database: 'helpdesk', user: 'agent_alice', sslmode: 'verify-full' });
    const config = clientConfig(c, 'pw');
    expect(config.ssl).toEqual({ rejectUnauthorized: true, servername: 'db.example.com' });
    expect(formatTeamUrl(c)).toBe('postgres://agent_alice@db.example.com:5432/helpdesk');
  });

  it('allows plaintext only to loopback unless explicitly allowed', () => {
    expect(parseTeamUrl('postgres://a@127.0.0.1:6543/db?sslmode=disable').sslmode).toBe('disable');
    expect(parseTeamUrl('postgres://a@[::1]:6543/db?sslmode=disable').host).toBe('::1');
    expect(clientConfig(parseTeamUrl('postgres://a@localhost/db?sslmode=disable'), 'pw').ssl).toBe(false);
    expect(() => parseTeamUrl('postgres://a@10.0.0.5/db?sslmode=disable')).toThrow(/sslmode=disable is refused for 10\.0\.0\.5/);
    expect(() => parseTeamUrl('postgres://a@127.0.0.1.evil.example/db?sslmode=disable')).toThrow(/refused/);
    expect(parseTeamUrl('postgres://a@10.0.0.5/db?sslmode=disable', { allowPlaintextRemote: true }).sslmode).toBe('disable');
    expect(isLoopback('127.8.9.10')).toBe(true);
    expect(isLoopback('128.0.0.1')).toBe(false);
  });

  it('refuses a password in the URL, weak sslmodes and unknown options, saying what to do', () => {
    expect(() => parseTeamUrl('postgres://a:secret@db.example.com/db')).toThrow(/Leave the password out of the URL/);
    for (const mode of ['require', 'prefer', 'verify-ca', 'allow']) {
      expect(() => parseTeamUrl(`postgres://a@db.example.com/db?sslmode=${mode}`)).toThrow(/verify-full/);
    }
    expect(() => parseTeamUrl('postgres://a@db.example.com/db?options=-c%20x')).toThrow(/Only sslmode and sslrootcert/);
    expect(() => parseTeamUrl('mysql://a@db/db')).toThrow(/postgres:\/\//);
    expect(() => parseTeamUrl('postgres://db.example.com/db')).toThrow(/database role/);
    expect(() => parseTeamUrl('postgres://a@db.example.com/')).toThrow(/database name/);
    expect(() => parseTeamUrl('not a url')).toThrow(/not a URL/);
    expect(() => clientConfig(parseTeamUrl('postgres://a@db.example.com/db?sslrootcert=/nonexistent/ca.pem'), 'pw')).toThrow(/could not read the CA file/);
  });
});

describe('SCRAM verifier', () => {
  // That PostgreSQL accepts it is proven in test/integration/team-store.test.ts (agents log in with it).
  it('has the form PostgreSQL stores, with a fresh salt each time', () => {
    const v = scramVerifier('pencil', 4096, Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'));
    expect(v).toMatch(/^SCRAM-SHA-256\$4096:W22ZaJ0SNY7soEsUEjb6gQ==\$[A-Za-z0-9+/=]{44}:[A-Za-z0-9+/=]{44}$/);
    expect(scramVerifier('pencil')).not.toBe(scramVerifier('pencil'));
  });
});
