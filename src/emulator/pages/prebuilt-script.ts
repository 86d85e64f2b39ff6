/**
 * The pre-built UI stand-in's browser script, served as a same-origin file (`/prebuilt/app.js`)
 * under a CSP without 'unsafe-inline'. It is kept as a string so the emulator runs the same from
 * source (tsx), from vitest and from the bundled main build, with no asset copying; it is
 * exercised for real in Chromium by test/e2e/emulator-prebuilt-ui.test.ts, and its syntax is
 * checked by a unit test.
 *
 * What it does: reads the token from its URL (then drops it from the address bar and history),
 * asks the emulator for the action's context, and shows one of three screens: a challenge with an
 * enrolled method, first enrollment (pick a method, enroll, verify), or settings after a challenge
 * when the action has `redirectToSettings`. It calls only the emulator's own Client API. On
 * completion it appends `token=<jwt>` to the action's redirectUrl, or in popup mode posts the
 * JSON-string messages Authsignal's SDK listens for to the opener/parent, only to trusted origins.
 * DOM nodes are built with createElement/textContent, never innerHTML, so no value can inject markup.
 */
export const PREBUILT_SCRIPT = String.raw`(function () {
  'use strict';

  var params = new URLSearchParams(location.search);
  var token = params.get('token') || '';
  var popup = params.get('mode') === 'popup';
  // SECURITY: the token came in the URL (Authsignal's contract); drop it from the address bar and history at once.
  history.replaceState(null, '', location.pathname + (popup ? '?mode=popup' : ''));

  var trustedOrigins = [];
  try { trustedOrigins = JSON.parse(document.body.getAttribute('data-trusted-origins') || '[]'); } catch (e) { trustedOrigins = []; }
  var main = document.getElementById('main');
  var statusEl = document.getElementById('status');
  var ctx = null;
  var verified = false;
  var pollTimer = null;

  var LABELS = {
    PASSKEY: 'Passkey',
    SECURITY_KEY: 'Security key',
    AUTHENTICATOR_APP: 'Authenticator app',
    EMAIL_OTP: 'Email code',
    EMAIL_MAGIC_LINK: 'Email link',
    SMS: 'Text message code',
    WHATSAPP: 'WhatsApp code'
  };
  var MULTI = { PASSKEY: true, SECURITY_KEY: true };

  // ---- messages to the opener / parent (popup mode) ----------------------------------------

  function target() {
    if (!popup) return null;
    if (window.parent && window.parent !== window) return window.parent;
    return window.opener || null;
  }
  function post(message) {
    var t = target();
    if (!t) return;
    // SECURITY: messages (which may carry the token) go only to origins the tenant trusts, never '*'.
    trustedOrigins.forEach(function (origin) {
      try { t.postMessage(message, origin); } catch (e) { /* a closed or cross-origin-navigated target */ }
    });
  }
  function resized() {
    if (popup) post({ height: Math.ceil(document.documentElement.scrollHeight) });
  }

  // ---- DOM helpers -------------------------------------------------------------------------

  function h(tag, attrs) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === undefined || value === null || value === false) return;
      if (key === 'text') el.textContent = value;
      else if (key.indexOf('on') === 0) el.addEventListener(key.slice(2), value);
      else el.setAttribute(key, value === true ? '' : String(value));
    });
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === undefined || child === null || child === false) continue;
      el.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    }
    return el;
  }
  function screen(title, intro) {
    if (pollTimer) { clearInterval(pollTimer); pollTimer = null; }
    main.textContent = '';
    statusEl.textContent = '';
    var heading = h('h1', { id: 'screen-title', tabindex: '-1', text: title });
    main.appendChild(heading);
    if (intro) main.appendChild(h('p', { text: intro }));
    var region = h('div', { id: 'screen-body' });
    main.appendChild(region);
    setTimeout(function () { heading.focus(); resized(); }, 0);
    return region;
  }
  function say(text) { statusEl.textContent = text; }
  function showError(text) {
    var old = document.getElementById('error');
    if (old) old.remove();
    main.insertBefore(h('p', { id: 'error', role: 'alert', 'class': 'error', text: text }), main.children[1] || null);
    resized();
  }
  function busy(button, on) {
    if (!button) return;
    button.disabled = on;
    button.setAttribute('aria-busy', on ? 'true' : 'false');
  }

  // ---- API ---------------------------------------------------------------------------------

  function ApiError(body, status) {
    this.errorCode = body.errorCode || body.error || 'error';
    this.statusCode = status;
    this.message = body.errorDescription || body.error || 'The request failed.';
  }
  function call(method, path, body) {
    return fetch(path, {
      method: method,
      headers: { 'content-type': 'application/json', authorization: 'Bearer ' + token },
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (json) {
        if (json && typeof json === 'object' && 'error' in json) {
          post(JSON.stringify({ event: 'AUTHSIGNAL_API_ERROR', errorCode: json.errorCode || json.error, statusCode: res.status }));
          throw new ApiError(json, res.status);
        }
        return json;
      });
    });
  }
  function client(method, path, body) { return call(method, '/v1/client' + path, body); }
  function failed(error) {
    if (error && error.errorCode === 'expired_token') {
      screen('This page has expired', 'For your security it was open too long. Go back to the app and start again.');
      return;
    }
    if (error && error.name === 'NotAllowedError') {
      showError('The request was cancelled or timed out. Try again.');
      return;
    }
    showError((error && error.message) || 'Something went wrong. Try again.');
  }
  function tookToken(json) {
    if (json && typeof json.accessToken === 'string') token = json.accessToken;
  }

  // ---- WebAuthn JSON <-> binary ------------------------------------------------------------

  function fromB64u(s) {
    var b64 = s.replace(/-/g, '+').replace(/_/g, '/');
    while (b64.length % 4) b64 += '=';
    var bin = atob(b64);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }
  function toB64u(buffer) {
    if (!buffer) return undefined;
    var bytes = new Uint8Array(buffer);
    var bin = '';
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }
  function descriptors(list) {
    return (list || []).map(function (c) { return { id: fromB64u(c.id), type: 'public-key', transports: c.transports }; });
  }
  function createOptions(json) {
    var o = Object.assign({}, json);
    o.challenge = fromB64u(json.challenge);
    o.user = Object.assign({}, json.user, { id: fromB64u(json.user.id) });
    o.excludeCredentials = descriptors(json.excludeCredentials);
    return o;
  }
  function getOptions(json) {
    var o = Object.assign({}, json);
    o.challenge = fromB64u(json.challenge);
    o.allowCredentials = descriptors(json.allowCredentials);
    return o;
  }
  function registrationJSON(cred) {
    var r = cred.response;
    return {
      id: cred.id,
      rawId: toB64u(cred.rawId),
      type: cred.type,
      response: {
        clientDataJSON: toB64u(r.clientDataJSON),
        attestationObject: toB64u(r.attestationObject),
        transports: typeof r.getTransports === 'function' ? r.getTransports() : undefined
      },
      clientExtensionResults: cred.getClientExtensionResults(),
      authenticatorAttachment: cred.authenticatorAttachment || undefined
    };
  }
  function authenticationJSON(cred) {
    var r = cred.response;
    return {
      id: cred.id,
      rawId: toB64u(cred.rawId),
      type: cred.type,
      response: {
        clientDataJSON: toB64u(r.clientDataJSON),
        authenticatorData: toB64u(r.authenticatorData),
        signature: toB64u(r.signature),
        userHandle: toB64u(r.userHandle)
      },
      clientExtensionResults: cred.getClientExtensionResults(),
      authenticatorAttachment: cred.authenticatorAttachment || undefined
    };
  }

  // ---- completion --------------------------------------------------------------------------

  function verifiedNext() {
    verified = true;
    if (ctx.redirectToSettings) return settings();
    complete();
  }
  function complete() {
    if (popup) {
      post(JSON.stringify({ event: 'AUTHSIGNAL_CLOSE_POPUP', token: token }));
      screen('All done', 'You can close this window.');
      return;
    }
    if (ctx.redirectUrl) {
      var url = new URL(ctx.redirectUrl);
      url.searchParams.set('token', token);
      screen('All done', 'Taking you back…');
      location.assign(url.toString());
      return;
    }
    screen('All done', 'You can close this window.');
  }

  // ---- one method: challenge or enroll, then verify ----------------------------------------

  function codeForm(method, sentTo, verifyPath, resend) {
    var body = screen(LABELS[method], sentTo ? 'We sent a 6-digit code to ' + sentTo + '.' : 'Enter the 6-digit code from your authenticator app.');
    var input = h('input', { id: 'code', name: 'code', type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{6}', maxlength: '6', required: true });
    var submit = h('button', { type: 'submit', text: 'Verify' });
    var form = h('form', {
      onsubmit: function (event) {
        event.preventDefault();
        busy(submit, true);
        client('POST', verifyPath, { verificationCode: input.value.trim() })
          .then(function (json) {
            if (!json.isVerified) {
              busy(submit, false);
              input.value = '';
              input.focus();
              showError(json.failureReason === 'MAX_ATTEMPTS_EXCEEDED' ? 'Too many wrong codes. Ask for a new one.' : 'That code is not right or has expired. Try again.');
              return;
            }
            tookToken(json);
            verifiedNext();
          })
          .catch(function (error) { busy(submit, false); failed(error); });
      }
    }, h('label', { 'for': 'code', text: 'Verification code' }), input, submit);
    body.appendChild(form);
    if (resend) body.appendChild(h('button', { type: 'button', 'class': 'link', text: 'Send a new code', onclick: function () { resend().then(function () { say('A new code is on its way.'); }).catch(failed); } }));
    body.appendChild(backButton());
    setTimeout(function () { input.focus(); }, 0);
  }

  function backButton() {
    return h('button', { type: 'button', 'class': 'link', text: 'Choose another way', onclick: start });
  }

  function otpChallenge(method, authenticator) {
    var path = method === 'EMAIL_OTP' ? 'email-otp' : method === 'SMS' ? 'sms' : 'whatsapp';
    var send = function () { return client('POST', '/challenge/' + path); };
    say('Sending a code…');
    send().then(function () {
      codeForm(method, authenticator.email || authenticator.phoneNumber, '/verify/' + path, send);
    }).catch(failed);
  }

  function magicLinkWait(sentTo) {
    var body = screen(LABELS.EMAIL_MAGIC_LINK, 'We emailed a link to ' + sentTo + '. Open it to continue; this page moves on by itself.');
    body.appendChild(h('p', { 'class': 'muted', text: 'Waiting for the link to be opened…' }));
    body.appendChild(backButton());
    var inFlight = false;
    pollTimer = setInterval(function () {
      if (inFlight) return;
      inFlight = true;
      client('POST', '/verify/email-magic-link/finalize', {})
        .then(function (json) {
          inFlight = false;
          if (json.isVerified) { clearInterval(pollTimer); pollTimer = null; tookToken(json); verifiedNext(); }
        })
        .catch(function (error) { inFlight = false; clearInterval(pollTimer); pollTimer = null; failed(error); });
    }, 1000);
  }

  function webauthnSignIn(method) {
    var path = method === 'PASSKEY' ? '/user-authenticators/passkey/authentication-options' : '/user-authenticators/security-key/authentication-options';
    say('Waiting for your ' + LABELS[method].toLowerCase() + '…');
    client('POST', path, {})
      .then(function (json) {
        var options = method === 'PASSKEY' ? json.options : json;
        return navigator.credentials.get({ publicKey: getOptions(options) }).then(function (cred) {
          var response = authenticationJSON(cred);
          return method === 'PASSKEY'
            ? client('POST', '/verify/passkey', { authenticationCredential: response, challengeId: json.challengeId })
            : client('POST', '/verify/security-key', response);
        });
      })
      .then(function (json) {
        if (!json.isVerified) { showError('That did not work. Try again.'); return; }
        tookToken(json);
        verifiedNext();
      })
      .catch(failed);
  }

  function webauthnEnroll(method, after) {
    var optionsPath = method === 'PASSKEY' ? '/user-authenticators/passkey/registration-options' : '/user-authenticators/security-key/registration-options';
    say('Follow your browser’s prompt to create the ' + LABELS[method].toLowerCase() + '…');
    client('POST', optionsPath, method === 'PASSKEY' ? { username: ctx.username } : {})
      .then(function (json) {
        var options = method === 'PASSKEY' ? json.options : json;
        return navigator.credentials.create({ publicKey: createOptions(options) }).then(function (cred) {
          var response = registrationJSON(cred);
          return method === 'PASSKEY'
            ? client('POST', '/user-authenticators/passkey', { registrationCredential: response, conditionalCreate: false, challengeId: json.challengeId })
            : client('POST', '/user-authenticators/security-key', response);
        });
      })
      .then(function (json) {
        if (!json.isVerified) { showError('The ' + LABELS[method].toLowerCase() + ' could not be added. Try again.'); return; }
        tookToken(json);
        after();
      })
      .catch(failed);
  }

  function contactForm(method, after) {
    var isEmail = method !== 'SMS';
    var body = screen(LABELS[method], isEmail ? 'Which email address should we use?' : 'Which mobile number should we text? Use the international format, e.g. +14155550123.');
    var input = h('input', {
      id: 'contact', name: 'contact', required: true,
      type: isEmail ? 'email' : 'tel', autocomplete: isEmail ? 'email' : 'tel',
      value: (isEmail ? ctx.prefill.email : ctx.prefill.phoneNumber) || undefined
    });
    var submit = h('button', { type: 'submit', text: 'Continue' });
    body.appendChild(h('form', {
      onsubmit: function (event) {
        event.preventDefault();
        busy(submit, true);
        var value = input.value.trim();
        var path = method === 'EMAIL_OTP' ? 'email-otp' : method === 'SMS' ? 'sms' : 'email-magic-link';
        client('POST', '/user-authenticators/' + path, isEmail ? { email: value } : { phoneNumber: value })
          .then(function () {
            if (method === 'EMAIL_MAGIC_LINK') return magicLinkWait(value);
            var resend = function () { return client('POST', '/user-authenticators/' + path, isEmail ? { email: value } : { phoneNumber: value }); };
            codeForm(method, value, '/verify/' + path, resend);
          })
          .catch(function (error) { busy(submit, false); failed(error); });
      }
    }, h('label', { 'for': 'contact', text: isEmail ? 'Email address' : 'Mobile number' }), input, submit));
    body.appendChild(h('button', { type: 'button', 'class': 'link', text: 'Back', onclick: after }));
    setTimeout(function () { input.focus(); }, 0);
  }

  function totpEnroll() {
    say('Creating a secret for your authenticator app…');
    client('POST', '/user-authenticators/totp')
      .then(function (json) {
        var body = screen(LABELS.AUTHENTICATOR_APP, 'Scan the QR code with your authenticator app, or type the key in by hand. Then enter the code it shows.');
        var figure = h('figure', {});
        body.appendChild(figure);
        call('POST', '/prebuilt/api/qr', { uri: json.uri })
          .then(function (qr) { figure.insertBefore(h('img', { src: qr.dataUri, alt: 'QR code for your authenticator app', width: '180', height: '180' }), figure.firstChild); resized(); })
          .catch(function () { /* the key below still works */ });
        figure.appendChild(h('figcaption', {}, 'Key: ', h('code', { id: 'totp-secret', text: json.secret })));
        var input = h('input', { id: 'code', name: 'code', type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{6}', maxlength: '6', required: true });
        var submit = h('button', { type: 'submit', text: 'Verify' });
        body.appendChild(h('form', {
          onsubmit: function (event) {
            event.preventDefault();
            busy(submit, true);
            client('POST', '/verify/totp', { verificationCode: input.value.trim() })
              .then(function (res) {
                busy(submit, false);
                if (!res.isVerified) { input.value = ''; input.focus(); showError('That code is not right. Codes change every 30 seconds; try the current one.'); return; }
                tookToken(res);
                verifiedNext();
              })
              .catch(function (error) { busy(submit, false); failed(error); });
          }
        }, h('label', { 'for': 'code', text: 'Code from the app' }), input, submit));
        body.appendChild(backButton());
      })
      .catch(failed);
  }

  function enrollMethod(method, back) {
    if (method === 'PASSKEY' || method === 'SECURITY_KEY') return webauthnEnroll(method, verifiedNext);
    if (method === 'AUTHENTICATOR_APP') return totpEnroll();
    return contactForm(method, back);
  }

  // ---- screens -----------------------------------------------------------------------------

  function describe(a) {
    if (a.verificationMethod === 'PASSKEY' || a.verificationMethod === 'SECURITY_KEY') {
      var name = a.webauthnCredential && a.webauthnCredential.name;
      return LABELS[a.verificationMethod] + (name ? ' (' + name + ')' : '');
    }
    var detail = a.email || a.phoneNumber;
    return LABELS[a.verificationMethod] + (detail ? ' to ' + detail : '');
  }

  function challengeScreen() {
    var body = screen('Verify it’s you', 'Choose how to confirm it’s you.');
    var list = h('ul', { 'class': 'choices' });
    var seen = {};
    ctx.authenticators.forEach(function (a) {
      var method = a.verificationMethod;
      if (seen[method] || !LABELS[method]) return;
      seen[method] = true;
      list.appendChild(h('li', {}, h('button', {
        type: 'button', 'data-method': method,
        text: MULTI[method] ? LABELS[method] : describe(a),
        onclick: function () {
          if (method === 'PASSKEY' || method === 'SECURITY_KEY') return webauthnSignIn(method);
          if (method === 'AUTHENTICATOR_APP') return codeForm(method, null, '/verify/totp', null);
          if (method === 'EMAIL_MAGIC_LINK') {
            return client('POST', '/challenge/email-magic-link').then(function () { magicLinkWait(a.email); }).catch(failed);
          }
          otpChallenge(method, a);
        }
      })));
    });
    body.appendChild(list);
  }

  function enrollScreen() {
    var body = screen('Set up a way to verify', 'Choose a way to confirm it’s you in future.');
    var list = h('ul', { 'class': 'choices' });
    ctx.enrollableMethods.forEach(function (method) {
      list.appendChild(h('li', {}, h('button', { type: 'button', 'data-method': method, text: LABELS[method], onclick: function () { enrollMethod(method, enrollScreen); } })));
    });
    body.appendChild(list);
  }

  function settings() {
    say('Loading your methods…');
    client('GET', '/user-authenticators')
      .then(function (authenticators) {
        ctx.authenticators = authenticators;
        var body = screen('Your sign-in methods', 'Add a method, or remove one you no longer use. You always keep at least one.');
        var list = h('ul', { 'class': 'methods', 'aria-label': 'Enrolled methods' });
        authenticators.forEach(function (a) {
          var remove = h('button', {
            type: 'button', 'class': 'secondary', 'data-remove': a.userAuthenticatorId,
            disabled: authenticators.length === 1,
            'aria-label': 'Remove ' + describe(a),
            text: 'Remove',
            onclick: function () {
              busy(remove, true);
              client('DELETE', '/user-authenticators/' + encodeURIComponent(a.userAuthenticatorId))
                .then(settings)
                .catch(function (error) { busy(remove, false); failed(error); });
            }
          });
          list.appendChild(h('li', {}, h('span', { text: describe(a) }), remove));
        });
        body.appendChild(list);
        if (authenticators.length === 1) body.appendChild(h('p', { 'class': 'muted', text: 'Your only method cannot be removed. Add another first.' }));
        var have = {};
        authenticators.forEach(function (a) { have[a.verificationMethod] = true; });
        var addable = ctx.enrollableMethods.filter(function (m) { return MULTI[m] || !have[m]; });
        if (addable.length) {
          body.appendChild(h('h2', { text: 'Add a method' }));
          var adds = h('ul', { 'class': 'choices' });
          addable.forEach(function (method) {
            adds.appendChild(h('li', {}, h('button', { type: 'button', 'data-add': method, text: 'Add ' + LABELS[method].toLowerCase(), onclick: function () { enrollMethod(method, settings); } })));
          });
          body.appendChild(adds);
        }
        body.appendChild(h('button', { type: 'button', id: 'done', text: 'Done', onclick: complete }));
      })
      .catch(failed);
  }

  function start() {
    if (verified && ctx.redirectToSettings) return settings();
    if (ctx.state === 'BLOCK') return screen('This action was blocked', 'Contact support if you think this is a mistake.');
    if (ctx.authenticators.length > 0) return challengeScreen();
    enrollScreen();
  }

  post(JSON.stringify({ event: 'AUTHSIGNAL_READY' }));
  call('GET', '/prebuilt/api/context')
    .then(function (json) { ctx = json; start(); })
    .catch(failed);
})();
`;
