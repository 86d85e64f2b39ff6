import type { VerificationMethod } from '@shared/domain/authsignal';
import { call, client, failed, tookToken } from './api';
import { busy, h, post, resized, say, screen, showError } from './dom';
import { context, label, LABELS, MULTI, page, type PageAuthenticator } from './state';
import { authenticationJSON, createOptions, type CreationOptionsJSON, getOptions, registrationJSON, type RequestOptionsJSON } from './webauthn';

/**
 * The stand-in's screens: a challenge with an enrolled method, first enrollment (pick a method,
 * enroll, verify), settings after a challenge when the action has `redirectToSettings`, and
 * completion. They call only the emulator's own Client API. They live in one module because they
 * lead to each other (a verification leads to settings, settings to enrollment, back to the start).
 */

type WebauthnMethod = 'PASSKEY' | 'SECURITY_KEY';
type Verification = { isVerified?: boolean; failureReason?: string; accessToken?: string };

// ---- completion ----------------------------------------------------------------------------

function verifiedNext(): void {
  page.verified = true;
  if (context().redirectToSettings) return settings();
  complete();
}

function complete(): void {
  if (page.popup) {
    post(JSON.stringify({ event: 'AUTHSIGNAL_CLOSE_POPUP', token: page.token }));
    screen('All done', 'You can close this window.');
    return;
  }
  const redirectUrl = context().redirectUrl;
  if (redirectUrl) {
    const url = new URL(redirectUrl);
    url.searchParams.set('token', page.token);
    screen('All done', 'Taking you back…');
    location.assign(url.toString());
    return;
  }
  screen('All done', 'You can close this window.');
}

// ---- one method: challenge or enroll, then verify ------------------------------------------

function codeInput() {
  return h('input', { id: 'code', name: 'code', type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{6}', maxlength: '6', required: true });
}

/**
 * A code field that verifies at `verifyPath`: a wrong code clears the field and says why, a right
 * one moves on. The button stays busy until an answer that keeps this screen.
 */
function verifyCodeForm(verifyPath: string, fieldLabel: string, wrongCode: (failureReason: string | undefined) => string) {
  const input = codeInput();
  const submit = h('button', { type: 'submit', text: 'Verify' });
  const onsubmit = (event: Event) => {
    event.preventDefault();
    busy(submit, true);
    client<Verification>('POST', verifyPath, { verificationCode: input.value.trim() })
      .then((json) => {
        if (!json.isVerified) {
          busy(submit, false);
          input.value = '';
          input.focus();
          showError(wrongCode(json.failureReason));
          return;
        }
        tookToken(json);
        verifiedNext();
      })
      .catch((error) => {
        busy(submit, false);
        failed(error);
      });
  };
  return { input, form: h('form', { onsubmit }, h('label', { for: 'code', text: fieldLabel }), input, submit) };
}

function codeForm(method: VerificationMethod, sentTo: string | null | undefined, verifyPath: string, resend: (() => Promise<unknown>) | null): void {
  const body = screen(label(method), sentTo ? 'We sent a 6-digit code to ' + sentTo + '.' : 'Enter the 6-digit code from your authenticator app.');
  const { input, form } = verifyCodeForm(verifyPath, 'Verification code', (reason) =>
    reason === 'MAX_ATTEMPTS_EXCEEDED' ? 'Too many wrong codes. Ask for a new one.' : 'That code is not right or has expired. Try again.',
  );
  body.appendChild(form);
  if (resend) {
    const onclick = () => {
      resend()
        .then(() => say('A new code is on its way.'))
        .catch(failed);
    };
    body.appendChild(h('button', { type: 'button', class: 'link', text: 'Send a new code', onclick }));
  }
  body.appendChild(backButton());
  setTimeout(() => input.focus(), 0);
}

function backButton(): HTMLButtonElement {
  return h('button', { type: 'button', class: 'link', text: 'Choose another way', onclick: start });
}

function otpChallenge(method: VerificationMethod, authenticator: PageAuthenticator): void {
  const path = method === 'EMAIL_OTP' ? 'email-otp' : method === 'SMS' ? 'sms' : 'whatsapp';
  const send = () => client('POST', '/challenge/' + path);
  say('Sending a code…');
  send()
    .then(() => codeForm(method, authenticator.email || authenticator.phoneNumber, '/verify/' + path, send))
    .catch(failed);
}

function magicLinkWait(sentTo: string | undefined): void {
  const body = screen(label('EMAIL_MAGIC_LINK'), 'We emailed a link to ' + sentTo + '. Open it to continue; this page moves on by itself.');
  body.appendChild(h('p', { class: 'muted', text: 'Waiting for the link to be opened…' }));
  body.appendChild(backButton());
  let inFlight = false;
  const stop = () => {
    if (page.pollTimer) clearInterval(page.pollTimer);
    page.pollTimer = null;
  };
  page.pollTimer = setInterval(() => {
    if (inFlight) return;
    inFlight = true;
    client<Verification>('POST', '/verify/email-magic-link/finalize', {})
      .then((json) => {
        inFlight = false;
        if (json.isVerified) {
          stop();
          tookToken(json);
          verifiedNext();
        }
      })
      .catch((error) => {
        inFlight = false;
        stop();
        failed(error);
      });
  }, 1000);
}

async function webauthnSignIn(method: WebauthnMethod): Promise<void> {
  const path = method === 'PASSKEY' ? '/user-authenticators/passkey/authentication-options' : '/user-authenticators/security-key/authentication-options';
  say('Waiting for your ' + label(method).toLowerCase() + '…');
  try {
    const json = await client<RequestOptionsJSON & { options: RequestOptionsJSON; challengeId?: string }>('POST', path, {});
    const options = method === 'PASSKEY' ? json.options : json;
    const cred = (await navigator.credentials.get({ publicKey: getOptions(options) })) as PublicKeyCredential;
    const response = authenticationJSON(cred);
    const result =
      method === 'PASSKEY'
        ? await client<Verification>('POST', '/verify/passkey', { authenticationCredential: response, challengeId: json.challengeId })
        : await client<Verification>('POST', '/verify/security-key', response);
    if (!result.isVerified) {
      showError('That did not work. Try again.');
      return;
    }
    tookToken(result);
    verifiedNext();
  } catch (error) {
    failed(error);
  }
}

async function webauthnEnroll(method: WebauthnMethod, after: () => void): Promise<void> {
  const optionsPath = method === 'PASSKEY' ? '/user-authenticators/passkey/registration-options' : '/user-authenticators/security-key/registration-options';
  say('Follow your browser’s prompt to create the ' + label(method).toLowerCase() + '…');
  try {
    const json = await client<CreationOptionsJSON & { options: CreationOptionsJSON; challengeId?: string }>(
      'POST',
      optionsPath,
      method === 'PASSKEY' ? { username: context().username } : {},
    );
    const options = method === 'PASSKEY' ? json.options : json;
    const cred = (await navigator.credentials.create({ publicKey: createOptions(options) })) as PublicKeyCredential;
    const response = registrationJSON(cred);
    const result =
      method === 'PASSKEY'
        ? await client<Verification>('POST', '/user-authenticators/passkey', { registrationCredential: response, conditionalCreate: false, challengeId: json.challengeId })
        : await client<Verification>('POST', '/user-authenticators/security-key', response);
    if (!result.isVerified) {
      showError('The ' + label(method).toLowerCase() + ' could not be added. Try again.');
      return;
    }
    tookToken(result);
    after();
  } catch (error) {
    failed(error);
  }
}

function contactForm(method: VerificationMethod, after: () => void): void {
  const isEmail = method !== 'SMS';
  const prefill = context().prefill;
  const body = screen(label(method), isEmail ? 'Which email address should we use?' : 'Which mobile number should we text? Use the international format, e.g. +14155550123.');
  const input = h('input', {
    id: 'contact',
    name: 'contact',
    required: true,
    type: isEmail ? 'email' : 'tel',
    autocomplete: isEmail ? 'email' : 'tel',
    value: (isEmail ? prefill.email : prefill.phoneNumber) || undefined,
  });
  const submit = h('button', { type: 'submit', text: 'Continue' });
  const onsubmit = (event: Event) => {
    event.preventDefault();
    busy(submit, true);
    const value = input.value.trim();
    const path = method === 'EMAIL_OTP' ? 'email-otp' : method === 'SMS' ? 'sms' : 'email-magic-link';
    const enroll = () => client('POST', '/user-authenticators/' + path, isEmail ? { email: value } : { phoneNumber: value });
    enroll()
      .then(() => {
        if (method === 'EMAIL_MAGIC_LINK') return magicLinkWait(value);
        codeForm(method, value, '/verify/' + path, enroll);
      })
      .catch((error) => {
        busy(submit, false);
        failed(error);
      });
  };
  body.appendChild(h('form', { onsubmit }, h('label', { for: 'contact', text: isEmail ? 'Email address' : 'Mobile number' }), input, submit));
  body.appendChild(h('button', { type: 'button', class: 'link', text: 'Back', onclick: after }));
  setTimeout(() => input.focus(), 0);
}

async function totpEnroll(): Promise<void> {
  say('Creating a secret for your authenticator app…');
  let json: { uri: string; secret: string };
  try {
    json = await client<{ uri: string; secret: string }>('POST', '/user-authenticators/totp');
  } catch (error) {
    return failed(error);
  }
  const body = screen(label('AUTHENTICATOR_APP'), 'Scan the QR code with your authenticator app, or type the key in by hand. Then enter the code it shows.');
  const figure = h('figure', {});
  body.appendChild(figure);
  call<{ dataUri: string }>('POST', '/prebuilt/api/qr', { uri: json.uri })
    .then((qr) => {
      figure.insertBefore(h('img', { src: qr.dataUri, alt: 'QR code for your authenticator app', width: '180', height: '180' }), figure.firstChild);
      resized();
    })
    .catch(() => {
      /* the key below still works */
    });
  figure.appendChild(h('figcaption', {}, 'Key: ', h('code', { id: 'totp-secret', text: json.secret })));
  const { form } = verifyCodeForm('/verify/totp', 'Code from the app', () => 'That code is not right. Codes change every 30 seconds; try the current one.');
  body.appendChild(form);
  body.appendChild(backButton());
}

function enrollMethod(method: VerificationMethod, back: () => void): void {
  if (method === 'PASSKEY' || method === 'SECURITY_KEY') return void webauthnEnroll(method, verifiedNext);
  if (method === 'AUTHENTICATOR_APP') return void totpEnroll();
  contactForm(method, back);
}

// ---- screens -------------------------------------------------------------------------------

function describe(a: PageAuthenticator): string {
  if (a.verificationMethod === 'PASSKEY' || a.verificationMethod === 'SECURITY_KEY') {
    const name = a.webauthnCredential && a.webauthnCredential.name;
    return label(a.verificationMethod) + (name ? ' (' + name + ')' : '');
  }
  const detail = a.email || a.phoneNumber;
  return label(a.verificationMethod) + (detail ? ' to ' + detail : '');
}

function challengeWith(a: PageAuthenticator): void {
  const method = a.verificationMethod;
  if (method === 'PASSKEY' || method === 'SECURITY_KEY') return void webauthnSignIn(method);
  if (method === 'AUTHENTICATOR_APP') return codeForm(method, null, '/verify/totp', null);
  if (method === 'EMAIL_MAGIC_LINK') {
    client('POST', '/challenge/email-magic-link')
      .then(() => magicLinkWait(a.email))
      .catch(failed);
    return;
  }
  otpChallenge(method, a);
}

function challengeScreen(): void {
  const body = screen('Verify it’s you', 'Choose how to confirm it’s you.');
  const list = h('ul', { class: 'choices' });
  const seen: Partial<Record<VerificationMethod, true>> = {};
  context().authenticators.forEach((a) => {
    const method = a.verificationMethod;
    if (seen[method] || !LABELS[method]) return;
    seen[method] = true;
    const text = MULTI[method] ? label(method) : describe(a);
    list.appendChild(h('li', {}, h('button', { type: 'button', 'data-method': method, text, onclick: () => challengeWith(a) })));
  });
  body.appendChild(list);
}

function enrollScreen(): void {
  const body = screen('Set up a way to verify', 'Choose a way to confirm it’s you in future.');
  const list = h('ul', { class: 'choices' });
  context().enrollableMethods.forEach((method) => {
    list.appendChild(h('li', {}, h('button', { type: 'button', 'data-method': method, text: label(method), onclick: () => enrollMethod(method, enrollScreen) })));
  });
  body.appendChild(list);
}

function settingsScreen(authenticators: PageAuthenticator[]): void {
  const ctx = context();
  ctx.authenticators = authenticators;
  const body = screen('Your sign-in methods', 'Add a method, or remove one you no longer use. You always keep at least one.');
  const list = h('ul', { class: 'methods', 'aria-label': 'Enrolled methods' });
  authenticators.forEach((a) => {
    const remove = h('button', {
      type: 'button',
      class: 'secondary',
      'data-remove': a.userAuthenticatorId,
      disabled: authenticators.length === 1,
      'aria-label': 'Remove ' + describe(a),
      text: 'Remove',
      onclick: () => {
        busy(remove, true);
        client('DELETE', '/user-authenticators/' + encodeURIComponent(a.userAuthenticatorId))
          .then(settings)
          .catch((error) => {
            busy(remove, false);
            failed(error);
          });
      },
    });
    list.appendChild(h('li', {}, h('span', { text: describe(a) }), remove));
  });
  body.appendChild(list);
  if (authenticators.length === 1) body.appendChild(h('p', { class: 'muted', text: 'Your only method cannot be removed. Add another first.' }));
  const have: Partial<Record<VerificationMethod, true>> = {};
  authenticators.forEach((a) => (have[a.verificationMethod] = true));
  const addable = ctx.enrollableMethods.filter((m) => MULTI[m] || !have[m]);
  if (addable.length) {
    body.appendChild(h('h2', { text: 'Add a method' }));
    const adds = h('ul', { class: 'choices' });
    addable.forEach((method) => {
      adds.appendChild(h('li', {}, h('button', { type: 'button', 'data-add': method, text: 'Add ' + label(method).toLowerCase(), onclick: () => enrollMethod(method, settings) })));
    });
    body.appendChild(adds);
  }
  body.appendChild(h('button', { type: 'button', id: 'done', text: 'Done', onclick: complete }));
}

function settings(): void {
  say('Loading your methods…');
  client<PageAuthenticator[]>('GET', '/user-authenticators').then(settingsScreen).catch(failed);
}

/** The first screen for the action: blocked, a challenge with an enrolled method, or first enrollment. */
export function start(): void {
  const ctx = context();
  if (page.verified && ctx.redirectToSettings) return settings();
  if (ctx.state === 'BLOCK') return void screen('This action was blocked', 'Contact support if you think this is a mistake.');
  if (ctx.authenticators.length > 0) return challengeScreen();
  enrollScreen();
}
