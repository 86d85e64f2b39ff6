import { describe, expect, it } from 'vitest';
import { parseUserAgent, signedChallenge } from '../../../src/emulator/webauthn';

describe('WebAuthn helpers', () => {
  it('parses a User-Agent into the shape Authsignal reports (ua-parser-js result, empty parts dropped)', () => {
    const ua = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15';
    expect(parseUserAgent(ua)).toEqual({
      ua,
      browser: { name: 'Safari', version: '17.4', major: '17' },
      device: { model: 'Macintosh', vendor: 'Apple' },
      engine: { name: 'WebKit', version: '605.1.15' },
      os: { name: 'Mac OS', version: '10.15.7' },
      cpu: undefined,
    });
    expect(parseUserAgent(undefined)).toBeUndefined();
  });

  it('reads the signed challenge from clientDataJSON, and nothing from garbage', () => {
    const clientDataJSON = Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge: 'abc123', origin: 'http://localhost:1' })).toString('base64url');
    expect(signedChallenge({ response: { clientDataJSON } })).toBe('abc123');
    expect(signedChallenge({ response: { clientDataJSON: '%%%' } })).toBeUndefined();
    expect(signedChallenge(null)).toBeUndefined();
  });
});
