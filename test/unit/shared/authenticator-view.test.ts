import { describe, expect, it } from 'vitest';
import {
  assessRemoval,
  describeRecoveryPath,
  isPhishingResistant,
  methodLabel,
  type AuthenticatorView,
} from '@shared/domain/authenticator-view';
import {
  actionOutcome,
  actionStateLabel,
  FAILED_ACTION_STATES,
  METHOD_LABELS,
  PASSED_ACTION_STATES,
  UserActionState,
  VERIFICATION_METHODS,
  VerificationMethod,
} from '@shared/domain/authsignal';
import { keysOf } from '@shared/lib/keys-of';

function auth(id: string, method: string, name = methodLabel(method)): AuthenticatorView {
  return {
    id,
    method,
    methodLabel: methodLabel(method),
    name,
    nameSource: 'method',
    createdAt: '2025-01-01T00:00:00.000Z',
    isDefault: null,
    phishingResistant: isPhishingResistant(method),
  };
}

const passkey = auth('pk', 'PASSKEY', 'iCloud Keychain');
const key = auth('key', 'SECURITY_KEY', 'YubiKey 5 NFC');
const sms = auth('sms', 'SMS', '+14155550132');
const totp = auth('totp', 'AUTHENTICATOR_APP');

describe('assessRemoval', () => {
  it('warns about the last authenticator and names no recovery path when nothing is verified', () => {
    const a = assessRemoval([sms], ['sms'], { email: 'jane@example.com', emailVerified: false });
    expect(a.warnings).toEqual(['last-authenticator']);
    expect(a.remaining).toEqual([]);
    expect(a.recoveryPaths).toEqual([]);
  });

  it('lists verified contact points as recovery paths', () => {
    const a = assessRemoval([sms], ['sms'], {
      email: 'jane@example.com',
      emailVerified: true,
      phoneNumber: '+14155550132',
      phoneNumberVerified: true,
    });
    expect(a.recoveryPaths).toEqual([
      { kind: 'verified-email', email: 'jane@example.com' },
      { kind: 'verified-phone', phoneNumber: '+14155550132' },
    ]);
    expect(a.recoveryPaths.map(describeRecoveryPath)[0]).toMatch(/Verified email jane@example.com/);
  });

  it('warns about the only phishing-resistant one even when others remain', () => {
    const a = assessRemoval([passkey, sms, totp], ['pk'], {});
    expect(a.warnings).toEqual(['last-phishing-resistant']);
    expect(a.recoveryPaths.map((p) => (p.kind === 'authenticator' ? p.id : p.kind))).toEqual(['sms', 'totp']);
  });

  it('does not warn while another passkey or security key remains', () => {
    expect(assessRemoval([passkey, key, sms], ['pk'], {}).warnings).toEqual([]);
    expect(assessRemoval([passkey, sms, totp], ['sms'], {}).warnings).toEqual([]);
  });

  it('raises both warnings when everything goes', () => {
    const a = assessRemoval([passkey, sms], ['pk', 'sms'], {});
    expect(a.warnings).toEqual(['last-authenticator', 'last-phishing-resistant']);
  });

  it('reports ids that are already gone instead of counting them as removed', () => {
    const a = assessRemoval([sms, totp], ['gone', 'sms'], {});
    expect(a.removing).toEqual(['sms']);
    expect(a.missing).toEqual(['gone']);
    expect(a.warnings).toEqual([]);
  });

  it('warns about nothing when nothing is removed', () => {
    expect(assessRemoval([sms], [], {}).warnings).toEqual([]);
    expect(assessRemoval([], ['x'], {}).warnings).toEqual([]);
  });
});

describe('describeRecoveryPath', () => {
  it('names the authenticator by method and name, without repeating the label', () => {
    expect(describeRecoveryPath({ kind: 'authenticator', id: 'a', method: 'PASSKEY', name: 'iCloud Keychain' })).toBe('Passkey: iCloud Keychain');
    expect(describeRecoveryPath({ kind: 'authenticator', id: 'a', method: 'AUTHENTICATOR_APP', name: 'Authenticator app' })).toBe('Authenticator app');
  });
});

describe('methods written once, with their labels', () => {
  it('the method enum is the label table: every method parses, has its label, and the order is the table order', () => {
    expect(VERIFICATION_METHODS.slice(0, 3)).toEqual(['SMS', 'EMAIL_OTP', 'EMAIL_MAGIC_LINK']);
    for (const m of VERIFICATION_METHODS) {
      expect(VerificationMethod.parse(m)).toBe(m);
      expect(methodLabel(m)).toBe(METHOD_LABELS[m]);
    }
    expect(VerificationMethod.safeParse('NOT_A_METHOD').success).toBe(false);
    expect(() => keysOf({})).toThrow(/empty/);
  });

  it('action states passed and failed come from the one outcome table', () => {
    expect(PASSED_ACTION_STATES).toEqual(['ALLOW', 'CHALLENGE_SUCCEEDED', 'REVIEW_SUCCEEDED']);
    expect(FAILED_ACTION_STATES).toEqual(['BLOCK', 'CHALLENGE_FAILED', 'REVIEW_FAILED']);
    expect(UserActionState.options).toHaveLength(8);
  });

  it('reads a state as an outcome and as words, a state it does not know as still open', () => {
    expect(['ALLOW', 'BLOCK', 'CHALLENGE_REQUIRED', 'REVIEW_FAILED', 'SOMETHING_NEW', 'toString'].map(actionOutcome)).toEqual([
      'passed',
      'failed',
      'open',
      'failed',
      'open',
      'open',
    ]);
    expect(actionStateLabel('CHALLENGE_SUCCEEDED')).toBe('Challenge succeeded');
    expect(actionStateLabel('ALLOW')).toBe('Allow');
  });
});
