import { describe, expect, it } from 'vitest';
import { resolveDataDir, resolveKeychainService } from '../../../src/main/services/platform/paths';

describe('resolveDataDir', () => {
  it('prefers AUTHDESK_HOME on every platform', () => {
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      expect(resolveDataDir({ AUTHDESK_HOME: '/tmp/ad-home', XDG_CONFIG_HOME: '/x', APPDATA: 'C:\\A' }, platform, '/home/u')).toBe('/tmp/ad-home');
    }
  });

  it('ignores a blank AUTHDESK_HOME', () => {
    expect(resolveDataDir({ AUTHDESK_HOME: '  ' }, 'linux', '/home/u')).toBe('/home/u/.config/authdesk');
  });

  it("matches Electron's userData for an app named authdesk on Linux", () => {
    expect(resolveDataDir({}, 'linux', '/home/u')).toBe('/home/u/.config/authdesk');
    expect(resolveDataDir({ XDG_CONFIG_HOME: '/data/cfg' }, 'linux', '/home/u')).toBe('/data/cfg/authdesk');
    expect(resolveDataDir({ XDG_CONFIG_HOME: '' }, 'linux', '/home/u')).toBe('/home/u/.config/authdesk');
  });

  it('uses Application Support on macOS, whatever XDG says', () => {
    expect(resolveDataDir({ XDG_CONFIG_HOME: '/x' }, 'darwin', '/Users/u')).toBe('/Users/u/Library/Application Support/authdesk');
  });

  it('uses %APPDATA% on Windows, with the roaming default when it is unset', () => {
    expect(resolveDataDir({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32', 'C:\\Users\\u')).toBe('C:\\Users\\u\\AppData\\Roaming\\authdesk');
    expect(resolveDataDir({}, 'win32', 'C:\\Users\\u')).toBe('C:\\Users\\u\\AppData\\Roaming\\authdesk');
  });
});

describe('resolveKeychainService', () => {
  it('defaults to authdesk and honours AUTHDESK_KEYCHAIN_SERVICE', () => {
    expect(resolveKeychainService({})).toBe('authdesk');
    expect(resolveKeychainService({ AUTHDESK_KEYCHAIN_SERVICE: '' })).toBe('authdesk');
    expect(resolveKeychainService({ AUTHDESK_KEYCHAIN_SERVICE: 'authdesk-test-1' })).toBe('authdesk-test-1');
  });
});
