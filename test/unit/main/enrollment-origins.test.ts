import { describe, expect, it } from 'vitest';
import { PolicyDocument } from '@shared/domain/policy';
import { grantedEnrollmentOrigins, windowOrigins } from '../../../src/main/services/policy/enrollment-origins';

// allowedEnrollmentOrigins (issue #13 point 4): the grant an admin gives the enrollment windows.

describe('allowedEnrollmentOrigins', () => {
  it('parses only https origins, with a message that says what to write', () => {
    expect(PolicyDocument.parse({ allowedEnrollmentOrigins: ['https://cdn.example.net'] }).allowedEnrollmentOrigins).toEqual(['https://cdn.example.net']);
    for (const bad of ['http://cdn.example.net', 'https://cdn.example.net/path', 'file:///etc', 'cdn.example.net']) {
      const parsed = PolicyDocument.safeParse({ allowedEnrollmentOrigins: [bad] });
      expect(parsed.success, bad).toBe(false);
    }
    expect(JSON.stringify(PolicyDocument.safeParse({ allowedEnrollmentOrigins: ['http://x.example'] }).error?.issues)).toContain('an https origin');
  });

  it('is granted by a trusted managed policy and the team policy only', () => {
    const managed = { allowedEnrollmentOrigins: ['https://a.example.com'] };
    const team = { allowedEnrollmentOrigins: ['https://b.example.com', 'https://a.example.com'] };
    expect(grantedEnrollmentOrigins(managed, true, team)).toEqual(['https://a.example.com', 'https://b.example.com']);
    // SECURITY: a managed file the agent could edit grants nothing.
    expect(grantedEnrollmentOrigins(managed, false, null)).toEqual([]);
    expect(grantedEnrollmentOrigins(null, true, null)).toEqual([]);
  });

  it("joins a window's own origins, re-checking each grant as https", () => {
    expect(windowOrigins(['http://localhost:4010', 'http://127.0.0.1:4010'], ['https://cdn.example.net/', 'http://evil.example', 'javascript:alert(1)'])).toEqual([
      'http://localhost:4010',
      'http://127.0.0.1:4010',
      'https://cdn.example.net',
    ]);
    expect(windowOrigins(['https://ui.example.com'])).toEqual(['https://ui.example.com']);
  });
});
