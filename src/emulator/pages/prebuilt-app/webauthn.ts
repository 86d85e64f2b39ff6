/** WebAuthn options and credentials between the Client API's JSON (base64url) and the browser's binary form. */

interface DescriptorJSON {
  id: string;
  transports?: AuthenticatorTransport[];
}

export interface CreationOptionsJSON extends Omit<PublicKeyCredentialCreationOptions, 'challenge' | 'user' | 'excludeCredentials'> {
  challenge: string;
  user: Omit<PublicKeyCredentialUserEntity, 'id'> & { id: string };
  excludeCredentials?: DescriptorJSON[];
}

export interface RequestOptionsJSON extends Omit<PublicKeyCredentialRequestOptions, 'challenge' | 'allowCredentials'> {
  challenge: string;
  allowCredentials?: DescriptorJSON[];
}

function fromB64u(s: string): ArrayBuffer {
  let b64 = s.replace(/-/g, '+').replace(/_/g, '/');
  while (b64.length % 4) b64 += '=';
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out.buffer;
}

function toB64u(buffer: ArrayBuffer | null | undefined): string | undefined {
  if (!buffer) return undefined;
  const bytes = new Uint8Array(buffer);
  let bin = '';
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function descriptors(list: DescriptorJSON[] | undefined): PublicKeyCredentialDescriptor[] {
  return (list || []).map((c) => ({ id: fromB64u(c.id), type: 'public-key', transports: c.transports }));
}

export function createOptions(json: CreationOptionsJSON): PublicKeyCredentialCreationOptions {
  return {
    ...json,
    challenge: fromB64u(json.challenge),
    user: { ...json.user, id: fromB64u(json.user.id) },
    excludeCredentials: descriptors(json.excludeCredentials),
  };
}

export function getOptions(json: RequestOptionsJSON): PublicKeyCredentialRequestOptions {
  return { ...json, challenge: fromB64u(json.challenge), allowCredentials: descriptors(json.allowCredentials) };
}

/** A credential as JSON, with its response's binary fields in base64url. */
function credentialJSON<R>(cred: PublicKeyCredential, response: R) {
  return {
    id: cred.id,
    rawId: toB64u(cred.rawId),
    type: cred.type,
    response,
    clientExtensionResults: cred.getClientExtensionResults(),
    authenticatorAttachment: cred.authenticatorAttachment || undefined,
  };
}

export function registrationJSON(cred: PublicKeyCredential) {
  const r = cred.response as AuthenticatorAttestationResponse;
  return credentialJSON(cred, {
    clientDataJSON: toB64u(r.clientDataJSON),
    attestationObject: toB64u(r.attestationObject),
    transports: typeof r.getTransports === 'function' ? r.getTransports() : undefined,
  });
}

export function authenticationJSON(cred: PublicKeyCredential) {
  const r = cred.response as AuthenticatorAssertionResponse;
  return credentialJSON(cred, {
    clientDataJSON: toB64u(r.clientDataJSON),
    authenticatorData: toB64u(r.authenticatorData),
    signature: toB64u(r.signature),
    userHandle: toB64u(r.userHandle),
  });
}
