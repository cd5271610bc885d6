/**
 * The API client the pages use: bearer token, WeChat's language, status checks, the error
 * envelope as {code, message}, one transparent re-login on 401, and "offline" when unreachable.
 */
'use strict';

const auth = require('./auth');
const { send } = require('./transport');
const { errorFromResponse } = require('./errors');
const { screenFromBody } = require('./screen');

const API = '/api/v1';

function ok(status) {
  return status >= 200 && status < 300;
}

/**
 * Call the API. `auth: false` sends no token (public routes); `auth: 'optional'` sends the stored
 * token when there is one (a public route that answers in the user's saved language) and never
 * signs in for it. With `screens: true` a failure whose body is a screen document (422 with
 * errors, 409 for a stale step, 400 for an unknown action) resolves that screen, with its `error`
 * envelope, instead of throwing.
 */
async function call(method, path, options) {
  const opts = options || {};
  const needsAuth = opts.auth !== false && opts.auth !== 'optional';
  const request = (token) => send({ method, path: API + path, query: opts.query, data: opts.data, token });
  let token = null;
  if (needsAuth) {
    token = await auth.ensureToken();
  } else if (opts.auth === 'optional') {
    token = auth.storedToken();
  }
  let response = await request(token);
  if (response.status === 401 && needsAuth) {
    // The token expired or was revoked: sign in again once, then repeat the same request.
    token = await auth.renewToken(token);
    response = await request(token);
  }
  if (ok(response.status)) {
    return response.data;
  }
  if (opts.screens && response.status >= 400 && response.status < 500) {
    const screen = screenFromBody(response.data);
    if (screen) {
      return screen;
    }
  }
  throw errorFromResponse(response);
}

const api = {
  call,
  /** The privacy pop-up, the new-version dialog and the icon names: {locale, dir, privacy, update, nav, icons}. */
  clientTexts: () => call('GET', '/client-texts', { auth: 'optional' }),
  /** Supported languages: [{id, name, dir, complete}]. */
  locales: () => call('GET', '/locales', { auth: false }),
  /** The signed-in user's profile. */
  me: () => call('GET', '/me'),
  /**
   * Save profile changes such as {locale}. docs/architecture.md names PATCH, but wx.request cannot send
   * PATCH (its methods: OPTIONS GET HEAD POST PUT DELETE TRACE CONNECT), so this is a PUT.
   */
  updateMe: (changes) => call('PUT', '/me', { data: changes }),
  /** The current screen of a journey (the server starts it if needed). */
  flow: (name) => call('GET', `/flows/${encodeURIComponent(name)}`, { screens: true }),
  /** Submit {step, action, answers}; resolves the next screen, or this one with errors. */
  submitFlow: (name, payload) => call('POST', `/flows/${encodeURIComponent(name)}`, {
    data: payload,
    screens: true,
  }),
  /** Everything the server holds about the user (its `consents` list the purposes granted). */
  myData: () => call('GET', '/me/export'),
  /** Withdraw the consent for a purpose; resolves {purpose, withdrawn_at, message}. */
  withdrawConsent: (purpose) => call('POST', `/me/consents/${encodeURIComponent(purpose)}/withdraw`, { data: {} }),
  card: () => call('GET', '/card'),
  permit: () => call('GET', '/card/permit'),
  insurances: () => call('GET', '/card/insurances'),
  /** One page of contributions: {year, cursor} as the server's pagination says. */
  contributions: (params) => call('GET', '/card/contributions', { query: params || {} }),
  /** A fresh short-lived identity QR payload. */
  qr: () => call('POST', '/card/qr', { data: {} }),
  notices: (params) => call('GET', '/notices', { query: params || {} }),
  readNotice: (id) => call('POST', `/notices/${encodeURIComponent(id)}/read`, { data: {} }),
  /** Report what wx.requestSubscribeMessage returned. */
  subscriptions: (payload) => call('POST', '/subscriptions', { data: payload }),
  guides: () => call('GET', '/guides'),
  /** One page of a guide (the first when `page` is not given), as a screen document. */
  guide: (slug, page) => call('GET', `/guides/${encodeURIComponent(slug)}`, { query: page ? { page } : {} }),
  glossary: (query) => call('GET', '/glossary', { query: query ? { q: query } : {} }),
  logout: () => auth.logout(),
};

module.exports = api;
