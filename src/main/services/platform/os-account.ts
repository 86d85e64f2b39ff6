import { userInfo } from 'node:os';

/**
 * The OS account running Authdesk: the `osUser` of every audit entry and the account the policy
 * matches against its security-admin list, so both must read it the same way. Falls back to the
 * login environment when the account has no passwd entry (some containers), then to `unknown`.
 */
export function osAccountName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}
