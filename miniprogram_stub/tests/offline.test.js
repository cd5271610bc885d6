// The backend being down: every call fails with the one offline message, in WeChat's language.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { freePort, startBackend } = require('./backend');
const { newDevice } = require('./helpers');
const { installFakeWx } = require('./fake_wx');
const config = require('../lib/config');
const api = require('../lib/api');
const auth = require('../lib/auth');
const { MESSAGES } = require('../lib/offline');

test('nothing listening: the offline error, in the WeChat language', async () => {
  const port = await freePort();
  installFakeWx({ emulatorBase: `http://127.0.0.1:${port}/_wechat/`, openid: 'ooffline1', language: 'zh_CN', fixedCode: 'lc_any' });
  config.reset();
  config.configure({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 3000 });
  await assert.rejects(api.me(), (err) => {
    assert.equal(err.code, 'network.offline');
    assert.equal(err.offline, true);
    assert.equal(err.message, MESSAGES.zh_Hans);
    return true;
  });
  await assert.rejects(api.locales(), { code: 'network.offline', message: MESSAGES.zh_Hans });
});

test('wx.login itself failing (no network) is the offline error too', async () => {
  const port = await freePort();
  installFakeWx({ emulatorBase: `http://127.0.0.1:${port}/_wechat/`, openid: 'ooffline2', language: 'ar', loginFails: true });
  config.reset();
  config.configure({ baseUrl: `http://127.0.0.1:${port}` });
  await assert.rejects(auth.login(), { code: 'network.offline', message: MESSAGES.ar });
});

test('the backend going down mid-session: offline error, the session is kept for later', async () => {
  const backend = await startBackend({ seed: false });
  try {
    newDevice(backend, { language: 'fr' });
    const session = await auth.login();
    await api.me();
    await backend.stop();
    await assert.rejects(api.me(), (err) => {
      assert.equal(err.code, 'network.offline');
      assert.equal(err.message, MESSAGES.fr);
      assert.equal(err.status, 0);
      return true;
    });
    assert.equal(auth.storedToken(), session.token, 'being offline is no reason to sign out');
  } finally {
    await backend.stop();
  }
});
