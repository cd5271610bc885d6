/** Sign-in: wx.login → POST /api/v1/auth/login with WeChat's language → token in storage. */
'use strict';

const config = require('./config');
const { send } = require('./transport');
const { wechatLanguage } = require('./language');
const { offlineError, errorFromResponse } = require('./errors');
const emulator = require('./emulator');

// A token this close to its expiry (at most a quarter of its lifetime) is renewed before use
// rather than risking a 401 mid-journey.
const EXPIRY_MARGIN_MS = 30 * 1000;

function storageKey() {
  return `${config.get().storagePrefix}session`;
}

/** The stored session {token, expiresAt, renewAt, locale, dir, user}, or null. */
function currentSession() {
  try {
    const value = wx.getStorageSync(storageKey());
    return value && typeof value === 'object' && value.token ? value : null;
  } catch (err) {
    return null;
  }
}

function saveSession(session) {
  wx.setStorageSync(storageKey(), session);
}

/** Forget the stored session (only if it still holds `token`, when one is given). */
function forgetSession(token) {
  const session = currentSession();
  if (session && (!token || session.token === token)) {
    wx.removeStorageSync(storageKey());
  }
}

/** The stored token while it is still valid, else null. */
function storedToken() {
  const session = currentSession();
  if (!session) {
    return null;
  }
  if (session.renewAt && session.renewAt <= Date.now()) {
    return null;
  }
  return session.token;
}

/** A fresh one-time login code from WeChat (or from the emulator in development). */
function wxLoginCode() {
  if (config.usesEmulator()) {
    return emulator.loginCode();
  }
  return new Promise((resolve, reject) => {
    wx.login({
      success(res) {
        if (res && res.code) {
          resolve(res.code);
        } else {
          reject(offlineError((res && res.errMsg) || 'login:fail no code'));
        }
      },
      fail(err) {
        // wx.login fails when WeChat's own servers cannot be reached: the same as offline.
        reject(offlineError((err && err.errMsg) || 'login:fail'));
      },
    });
  });
}

async function signIn() {
  const code = await wxLoginCode();
  const response = await send({
    method: 'POST',
    path: '/api/v1/auth/login',
    data: { code, language: wechatLanguage() },
  });
  if (response.status < 200 || response.status >= 300) {
    throw errorFromResponse(response);
  }
  const body = response.data || {};
  if (typeof body.token !== 'string' || !body.token) {
    // Something other than our backend answered: for the user, the service is unreachable.
    throw offlineError('login response without a token', response.status);
  }
  const expiresInMs = (Number(body.expires_in) || 0) * 1000;
  const now = Date.now();
  const session = {
    token: body.token,
    expiresAt: expiresInMs > 0 ? now + expiresInMs : 0,
    renewAt: expiresInMs > 0 ? now + expiresInMs - Math.min(EXPIRY_MARGIN_MS, expiresInMs / 4) : 0,
    locale: body.locale || '',
    dir: body.dir === 'rtl' ? 'rtl' : 'ltr',
    user: body.user || null,
  };
  saveSession(session);
  return session;
}

let pendingLogin = null;

/** Sign in now; concurrent callers share one wx.login and one backend call. */
function login() {
  if (!pendingLogin) {
    pendingLogin = signIn().then(
      (session) => {
        pendingLogin = null;
        return session;
      },
      (err) => {
        pendingLogin = null;
        throw err;
      }
    );
  }
  return pendingLogin;
}

/** A usable token: the stored one, or a new sign-in. */
async function ensureToken() {
  return storedToken() || (await login()).token;
}

/**
 * A token to retry with after `staleToken` was refused (401): the one another request already
 * renewed, else a new sign-in. Concurrent refusals therefore cost one wx.login, not several.
 */
async function renewToken(staleToken) {
  const current = storedToken();
  if (current && current !== staleToken) {
    return current;
  }
  forgetSession(staleToken);
  return (await login()).token;
}

/** Remember what the server said about the user's language (after a language change). */
function rememberLocale(locale, dir) {
  const session = currentSession();
  if (session) {
    saveSession(Object.assign({}, session, { locale: locale || session.locale, dir: dir || session.dir }));
  }
}

/** Sign out on the server (best effort) and forget the token. */
async function logout() {
  const session = currentSession();
  forgetSession();
  if (!session) {
    return;
  }
  try {
    await send({ method: 'POST', path: '/api/v1/auth/logout', token: session.token });
  } catch (err) {
    // Offline: the token is forgotten here and expires on the server by itself.
  }
}

module.exports = {
  login,
  logout,
  ensureToken,
  renewToken,
  storedToken,
  currentSession,
  forgetSession,
  rememberLocale,
  storageKey,
};
