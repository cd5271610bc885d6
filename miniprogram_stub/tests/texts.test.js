// The client texts (privacy pop-up, update dialog, icon names) from the real backend: the built-in
// copy is exactly what the server answers in every language, and the stub asks in the user's
// language, again when it changes, and falls back to the copy only when the server is unreachable.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { useBackend, newDevice } = require('./helpers');
const { expectedFallback, moduleSource, FILE } = require('./fallback_texts');
const fs = require('node:fs');
const api = require('../lib/api');
const auth = require('../lib/auth');
const config = require('../lib/config');
const texts = require('../lib/texts');
const FALLBACK = require('../lib/fallback_texts');
const { LOCALES } = require('../lib/language');

const server = useBackend({ seed: false });

test('the built-in copy is what the server answers, in each of the 12 languages', async () => {
  const expected = await expectedFallback(server.backend.baseUrl);
  assert.deepEqual(Object.keys(FALLBACK).sort(), LOCALES.slice().sort());
  assert.deepEqual(FALLBACK, expected, 'run `npm run fallback-texts` after the catalogs changed');
  assert.equal(fs.readFileSync(FILE, 'utf8'), moduleSource(expected), 'the file is as `npm run fallback-texts` writes it');
  assert.equal(FALLBACK.ar.dir, 'rtl');
});

test('before sign-in the texts come in WeChat\'s language, and are kept for the next launch', async () => {
  const fake = newDevice(server.backend, { language: 'zh_TW' });
  const doc = await texts.load();
  assert.equal(doc.locale, 'zh_Hant');
  assert.deepEqual(doc, FALLBACK.zh_Hant);
  assert.equal(fake.requestsTo('/api/v1/client-texts').length, 1);
  await texts.load();
  assert.equal(fake.requestsTo('/api/v1/client-texts').length, 1, 'asked once per launch');
  assert.equal(fake.requestsTo('/api/v1/auth/login').length, 0, 'no sign-in just for the texts');

  // The next launch, with the server down: the kept copy.
  texts.forget();
  fake.setStorageSync('ssc.clientTexts', doc);
  config.configure({ baseUrl: 'http://127.0.0.1:9' });
  assert.deepEqual(await texts.load(), doc);
});

test('signed in, the texts follow the user\'s language, also when it changes', async () => {
  const fake = newDevice(server.backend, { language: 'en' });
  assert.equal((await texts.load()).locale, 'en');
  await auth.login();
  const me = await api.updateMe({ locale: 'ar' });
  auth.rememberLocale(me.locale, me.dir);
  assert.equal(texts.current().locale, 'ar', 'the built-in Arabic until the server answers');
  const doc = await texts.load();
  assert.equal(doc.locale, 'ar');
  assert.equal(doc.dir, 'rtl');
  const asked = fake.requestsTo('/api/v1/client-texts');
  assert.equal(asked.length, 2, 'asked again in the new language');
  assert.match(asked[1].header.Authorization, /^Bearer /, 'with the token, so the saved language applies');
});

test('the server unreachable: the built-in copy in WeChat\'s language', async () => {
  newDevice(server.backend, { language: 'ko_KR' });
  config.configure({ baseUrl: 'http://127.0.0.1:9' });
  assert.deepEqual(await texts.load(), FALLBACK.ko);
  newDevice(server.backend, { language: 'xx' });
  config.configure({ baseUrl: 'http://127.0.0.1:9' });
  assert.deepEqual(await texts.load(), FALLBACK.en);
});
