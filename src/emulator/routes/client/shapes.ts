import { publicAuthenticator } from '../../actions';
import type { Emu } from '../../context';
import type { EmuAuthenticator } from '../../model';

/** The Client API's answer shapes: authenticators with contact details masked. */

/** `j*****@example.com`: the Client API shows contact details masked (the holder of a user token may be anyone). */
export function maskEmail(email: string | undefined): string | undefined {
  if (!email) return undefined;
  const at = email.lastIndexOf('@');
  if (at <= 0) return '*****';
  return `${email.charAt(0)}*****${email.slice(at)}`;
}

/** `+*******8901`: only the last four digits stay readable. */
export function maskPhone(phone: string | undefined): string | undefined {
  if (!phone) return undefined;
  const digits = phone.replace(/\D/g, '');
  return `${phone.startsWith('+') ? '+' : ''}${'*'.repeat(Math.max(digits.length - 4, 0))}${digits.slice(-4)}`;
}

/** An authenticator as the Client API returns it: no internal fields, contact details masked, `isDefault` set. */
export function clientAuthenticator(a: EmuAuthenticator, isDefault: boolean): Record<string, unknown> {
  const out = publicAuthenticator(a);
  delete out.userId;
  if (a.email) out.email = maskEmail(a.email);
  if (a.phoneNumber) out.phoneNumber = maskPhone(a.phoneNumber);
  const attachment = a.webauthnCredential?.authenticatorAttachment;
  if (attachment) out.authenticatorAttachment = attachment;
  out.isDefault = isDefault;
  return out;
}

/** The user's verified authenticators in Client API shape. */
export function clientAuthenticators(emu: Emu, userId: string): Record<string, unknown>[] {
  const list = emu.store.listAuthenticators(userId);
  const preferred = list.find((a) => a.isDefault) ?? list[0];
  return list.map((a) => clientAuthenticator(a, a === preferred));
}
