// Sign-in against the real backend: wx.login → POST /api/v1/auth/login with WeChat's language.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { useBackend, newDevice, offeredLocales, expectedLocale } = require('./helpers');
const api = require('../lib/api');
const auth = require('../lib/auth');

const server = useBackend({ seed: false });

test('login keeps the token in storage and sends WeChat language', async () => {
  const offered = await offeredLocales(server.backend);
  const fake = newDevice(server.backend, { language: 'ko' });
  const session = await auth.login();
  assert.equal(typeof session.token, 'string');
  assert.ok(session.token.length >= 20);
  assert.equal(session.locale, expectedLocale(offered, 'ko'));
  assert.equal(session.dir, 'ltr');
  assert.ok(session.expiresAt > Date.now());
  assert.deepEqual(wx.getStorageSync(auth.storageKey()), session, 'kept with wx.setStorageSync');
  const [login] = fake.requestsTo('/api/v1/auth/login');
  assert.equal(login.header['X-Client-Language'], 'ko');
  assert.equal(login.status, 200);
  assert.equal(login.header.Authorization, undefined, 'no token before there is one');

  const me = await api.me();
  assert.equal(me.locale, session.locale);
  assert.equal(me.user.verified, false);
  const [call] = fake.requestsTo('/api/v1/me');
  assert.equal(call.header.Authorization, `Bearer ${session.token}`);
  assert.equal(fake.logins, 1, 'the stored token is reused');
});

test('an API call signs in by itself the first time', async () => {
  const fake = newDevice(server.backend, { language: 'en' });
  const me = await api.me();
  assert.equal(me.locale, 'en');
  assert.equal(fake.logins, 1);
  assert.ok(auth.storedToken());
});

test('Arabic is right to left; Traditional Chinese tags map to zh_Hant', async () => {
  const offered = await offeredLocales(server.backend);
  newDevice(server.backend, { language: 'ar' });
  const arabic = await auth.login();
  assert.equal(arabic.locale, expectedLocale(offered, 'ar'));
  assert.equal(arabic.dir, offered[arabic.locale], 'the direction the server lists for the locale');
  if (offered.ar) {
    assert.equal(arabic.dir, 'rtl');
  }

  newDevice(server.backend, { language: 'zh_TW' });
  const traditional = await auth.login();
  assert.equal(traditional.locale, expectedLocale(offered, 'zh_Hant'));
  assert.equal(traditional.dir, 'ltr');
});

test('without wx.getAppBaseInfo the old system-info language is used', async () => {
  const offered = await offeredLocales(server.backend);
  const fake = newDevice(server.backend, { language: 'ja', appBaseInfo: false });
  const session = await auth.login();
  assert.equal(session.locale, expectedLocale(offered, 'ja'));
  assert.equal(fake.requestsTo('/auth/login')[0].header['X-Client-Language'], 'ja');
});

test('a code WeChat refuses surfaces the envelope as {code, message}', async () => {
  newDevice(server.backend, { language: 'en', fixedCode: 'lc_never_issued_by_wechat' });
  await assert.rejects(auth.login(), (err) => {
    assert.equal(err.name, 'ApiError');
    assert.equal(err.status, 401);
    assert.match(err.code, /^auth\./);
    assert.equal(typeof err.message, 'string');
    assert.ok(err.message.length > 0);
    assert.equal(err.offline, false);
    return true;
  });
  assert.equal(auth.currentSession(), null, 'nothing stored after a refused login');
});

test('changing the language: PUT /api/v1/me (wx.request has no PATCH)', async () => {
  const offered = await offeredLocales(server.backend);
  // Arabic when it is offered, else its pseudo-locale: either way a right-to-left language.
  const target = offered.ar ? 'ar' : 'ar@pseudo';
  newDevice(server.backend, { language: 'en' });
  const changed = await api.updateMe({ locale: target });
  assert.equal(changed.locale, target);
  assert.equal(changed.dir, 'rtl');
  const again = await api.me();
  assert.equal(again.locale, target, 'the saved choice wins over WeChat language');
  assert.equal(again.dir, 'rtl');

  await assert.rejects(api.updateMe({ locale: 'xx' }), (err) => {
    assert.equal(err.status, 422);
    assert.equal(err.code, 'request.validation');
    return true;
  });
});

test('logout forgets the token here and ends the session on the server', async () => {
  newDevice(server.backend, { language: 'en' });
  const session = await auth.login();
  await auth.logout();
  assert.equal(auth.currentSession(), null);
  // The old token no longer works: the server refuses it.
  const { send } = require('../lib/transport');
  const response = await send({ method: 'GET', path: '/api/v1/me', token: session.token });
  assert.equal(response.status, 401);
  assert.equal(response.data.error.code, 'auth.required');
});

test('development against the emulator: codes come from its control routes, not wx.login', async () => {
  const fake = newDevice(server.backend, { language: 'en', loginFails: true });
  require('../lib/config').configure({ emulator: true });
  const emulator = require('../lib/emulator');
  const session = await auth.login();
  assert.ok(session.token);
  assert.equal(fake.logins, 0, 'wx.login was not called');
  const openid = emulator.deviceOpenid();
  assert.match(openid, /^o[\w-]{5,63}$/);
  // The same device signs in as the same user again.
  auth.forgetSession();
  const again = await auth.login();
  assert.equal(again.user.id, session.user.id);
  assert.match(await emulator.phoneCode('+8613800000000'), /\w/);
});
