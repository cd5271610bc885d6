// The app at launch: the backend of the version WeChat runs (develop, trial, release) or ext.json's,
// the emulator only in development, and the new-version dialog (its buttons within WeChat's limit).
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { installFakeWx } = require('./fake_wx');
const { runApp } = require('./helpers');
const config = require('../lib/config');
const privacy = require('../lib/privacy');
const texts = require('../lib/texts');
const FALLBACK = require('../lib/fallback_texts');
const { modalOptions, MODAL_BUTTON_MAX } = require('../lib/update');

/** Wait until `ready()` (at most two seconds). */
async function until(ready) {
  for (let waited = 0; !ready() && waited < 2000; waited += 10) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.ok(ready(), 'in time');
}

const BACKENDS = { develop: 'http://127.0.0.1:9', trial: 'https://trial.ssc.example.org/', release: 'https://ssc.example.org' };

/** Launch app.js on a new device running as `envVersion`, with `ext` as ext.json; returns the device. */
function launch(envVersion, ext, options) {
  const fake = installFakeWx(Object.assign({ emulatorBase: 'http://127.0.0.1:9/_wechat/', openid: 'oapp', envVersion }, options || {}));
  if (ext !== undefined) {
    fake.getExtConfigSync = () => ext;
  }
  config.reset();
  config.configure({ backends: Object.assign({}, BACKENDS), timeoutMs: 1000 });
  texts.forget();
  privacy.reset();
  runApp();
  return fake;
}

test('each WeChat version talks to its own backend', () => {
  launch('develop');
  assert.equal(config.get().env, 'develop');
  assert.equal(config.get().baseUrl, 'http://127.0.0.1:9');
  launch('trial');
  assert.equal(config.get().baseUrl, 'https://trial.ssc.example.org', 'no trailing slash');
  launch('release');
  assert.equal(config.get().baseUrl, 'https://ssc.example.org');
});

/** Run `fn` with one version's backend address changed. */
function withBackend(version, address, fn) {
  const before = BACKENDS[version];
  BACKENDS[version] = address;
  try {
    fn();
  } finally {
    BACKENDS[version] = before;
  }
}

test('a develop copy on a phone talks to the trial backend, never to a loopback address', () => {
  launch('develop', undefined, { platform: 'ios', emulator: true });
  assert.equal(config.get().baseUrl, 'https://trial.ssc.example.org');
  assert.equal(config.get().env, 'trial');
  assert.equal(config.usesEmulator(), false);
  withBackend('trial', '', () => {
    launch('develop', undefined, { platform: 'android' });
    assert.equal(config.get().baseUrl, 'https://ssc.example.org', 'no trial backend: the release one');
  });
  withBackend('develop', 'http://192.168.1.20:5000', () => {
    launch('develop', undefined, { platform: 'android' });
    assert.equal(config.get().baseUrl, 'http://192.168.1.20:5000', "a laptop's address on the network is kept");
  });
  launch('develop');
  assert.equal(config.get().baseUrl, 'http://127.0.0.1:9', 'in DevTools, the local backend');
});

test('a base library that cannot say which version runs is treated as the release', () => {
  const fake = installFakeWx({ emulatorBase: 'http://127.0.0.1:9/_wechat/', openid: 'oapp' });
  delete fake.getAccountInfoSync;
  assert.equal(config.envVersion(), 'release');
  fake.getAccountInfoSync = () => ({ miniProgram: { envVersion: 'something-new' } });
  assert.equal(config.envVersion(), 'release');
});

test('ext.json overrides the address, never the version', () => {
  launch('release', { baseUrl: 'https://platform.example.net/', env: 'develop', emulator: true, timeoutMs: 5000 });
  assert.equal(config.get().baseUrl, 'https://platform.example.net');
  assert.equal(config.get().env, 'release');
  assert.equal(config.get().timeoutMs, 5000);
  assert.equal(config.usesEmulator(), false, 'the emulator never runs outside the develop version');
});

test('a version without a backend address says so at launch (every request then fails as offline)', (t) => {
  const errors = t.mock.method(console, 'error', () => {});
  const before = BACKENDS.release;
  BACKENDS.release = '';
  try {
    launch('release');
  } finally {
    BACKENDS.release = before;
  }
  assert.equal(config.get().baseUrl, '');
  assert.match(errors.mock.calls[0].arguments[0], /backends\.release/);
});

test('the emulator is honoured only in the develop version', () => {
  launch('develop');
  config.configure({ emulator: true });
  assert.equal(config.usesEmulator(), true);
  launch('trial');
  config.configure({ emulator: true });
  assert.equal(config.usesEmulator(), false);
});

test('launch registers the privacy listener with WeChat', () => {
  const fake = launch('develop');
  assert.equal(typeof fake.privacy.listener, 'function');
});

test('a new version: the dialog in WeChat\'s language from the built-in texts when the server is down; yes restarts', async () => {
  const fake = launch('develop', undefined, { language: 'ar' });
  fake.updates.ready();
  await until(() => fake.updates.applied > 0);
  const modal = fake.modals.pop();
  assert.equal(modal.title, FALLBACK.ar.update.title);
  assert.equal(modal.content, FALLBACK.ar.update.body);
  assert.equal(modal.confirmText, FALLBACK.ar.update.restart);
  assert.equal(fake.updates.applied, 1);
});

test('a new version declined: nothing restarts (WeChat applies it at the next cold start)', async () => {
  const fake = launch('develop', undefined, { modalAnswer: 'cancel' });
  fake.updates.ready();
  await until(() => fake.modals.length > 0);
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(fake.updates.applied, 0);
});

test('button texts longer than WeChat allows are left to WeChat, so the dialog still shows', () => {
  const options = modalOptions({ title: 'Neue Version', body: 'Jetzt neu starten?', restart: 'Neu starten', later: 'Nein' });
  assert.equal(options.confirmText, undefined);
  assert.equal(options.cancelText, 'Nein');
  assert.equal(MODAL_BUTTON_MAX, 4);
  Object.entries(FALLBACK).forEach(([locale, doc]) => {
    const built = modalOptions(doc.update);
    assert.equal(built.confirmText, doc.update.restart, `${locale}: the server's button fits`);
    assert.equal(built.cancelText, doc.update.later, `${locale}: the server's button fits`);
  });
});
