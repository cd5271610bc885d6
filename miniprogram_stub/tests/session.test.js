// Token expiry and revocation on the real backend: one transparent re-login, then the same call.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { useBackend, newDevice } = require('./helpers');
const api = require('../lib/api');
const auth = require('../lib/auth');
const { send } = require('../lib/transport');

const server = useBackend({ seed: false });

test('a token revoked on the server: the next call signs in again once and succeeds', async () => {
  const fake = newDevice(server.backend, { language: 'en' });
  const first = await auth.login();
  const me = await api.me();
  // End the session on the server only (another device's logout, an expiry): the stub still holds it.
  const logout = await send({ method: 'POST', path: '/api/v1/auth/logout', token: first.token });
  assert.equal(logout.status, 204);
  assert.equal(auth.storedToken(), first.token);

  const again = await api.me();
  assert.equal(again.user.id, me.user.id, 'the same WeChat user, signed in again');
  assert.equal(fake.logins, 2, 'exactly one re-login');
  const calls = fake.requestsTo('/api/v1/me');
  assert.deepEqual(calls.map((call) => call.status), [200, 401, 200]);
  assert.equal(calls[1].header.Authorization, `Bearer ${first.token}`);
  const second = auth.currentSession();
  assert.notEqual(second.token, first.token);
  assert.equal(calls[2].header.Authorization, `Bearer ${second.token}`);
});

test('a garbage token in storage is replaced transparently', async () => {
  const fake = newDevice(server.backend, { language: 'en' });
  wx.setStorageSync(auth.storageKey(), { token: 'not-a-real-token', expiresAt: Date.now() + 3600 * 1000, renewAt: Date.now() + 3000 * 1000, locale: 'en', dir: 'ltr' });
  const me = await api.me();
  assert.equal(typeof me.user.id, 'number');
  assert.equal(fake.logins, 1);
  assert.notEqual(auth.storedToken(), 'not-a-real-token');
});

test('a token the stub knows to be expired is renewed before it is sent', async () => {
  const fake = newDevice(server.backend, { language: 'en' });
  const first = await auth.login();
  wx.setStorageSync(auth.storageKey(), Object.assign({}, first, { expiresAt: Date.now() - 1000, renewAt: Date.now() - 1000 }));
  await api.me();
  assert.equal(fake.logins, 2);
  assert.deepEqual(fake.requestsTo('/api/v1/me').map((call) => call.status), [200], 'no 401 round trip');
});

test('when signing in again is impossible the error says so instead of looping', async () => {
  const fake = newDevice(server.backend, { language: 'de' });
  const first = await auth.login();
  await send({ method: 'POST', path: '/api/v1/auth/logout', token: first.token });
  fake.options.fixedCode = 'lc_refused_code';
  await assert.rejects(api.me(), (err) => {
    assert.equal(err.status, 401);
    assert.match(err.code, /^auth\./);
    assert.ok(err.message);
    return true;
  });
  assert.equal(fake.logins, 2, 'one attempt to sign in again, no more');
  assert.equal(auth.currentSession(), null, 'the dead token is forgotten');
});

test('a session that expired on the server (its TTL ran out): re-login, then the call', async () => {
  const { startBackend } = require('./backend');
  const shortLived = await startBackend({ seed: false, env: { SESSION_TTL_SECONDS: '2' } });
  try {
    const fake = newDevice(shortLived, { language: 'en' });
    const first = await auth.login();
    assert.ok(first.expiresAt - Date.now() <= 2000, 'the server said two seconds');
    // The phone's clock is behind (or the app slept): the stub still believes in the token.
    wx.setStorageSync(auth.storageKey(), Object.assign({}, first, { renewAt: Date.now() + 3600 * 1000 }));
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const me = await api.me();
    assert.equal(typeof me.user.id, 'number');
    assert.deepEqual(fake.requestsTo('/api/v1/me').map((call) => call.status), [401, 200]);
    assert.equal(fake.logins, 2);
  } finally {
    await shortLived.stop();
  }
});
