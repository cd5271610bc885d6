/** Shared test plumbing: one real backend per test file and fresh fake-wx clients against it. */
'use strict';

const { before, after } = require('node:test');
const crypto = require('node:crypto');
const assert = require('node:assert/strict');
const { startBackend, get, request } = require('./backend');
const { installFakeWx } = require('./fake_wx');
const config = require('../lib/config');
const privacy = require('../lib/privacy');
const texts = require('../lib/texts');

/**
 * Register before/after hooks that start and stop the backend; returns a holder whose
 * `backend` is set once it runs.
 */
function useBackend(options) {
  const holder = { backend: null };
  before(async () => {
    holder.backend = await startBackend(options);
  }, { timeout: 240000 });
  after(async () => {
    if (holder.backend) {
      await holder.backend.stop();
    }
  });
  return holder;
}

/** A new WeChat user id in the emulator's openid format. */
function newOpenid() {
  return `o${crypto.randomBytes(12).toString('hex')}`;
}

/**
 * A fresh device: a new fake `wx` (empty storage, its own openid) pointed at the backend, and
 * a fresh launch of the stub's modules (no texts loaded, no privacy listener yet).
 */
function newDevice(backend, options) {
  const fake = installFakeWx(Object.assign({ emulatorBase: backend.emulatorBase, openid: newOpenid() }, options || {}));
  config.reset();
  config.configure({ baseUrl: backend.baseUrl, timeoutMs: 10000 });
  texts.forget();
  privacy.reset();
  return fake;
}

/**
 * The locales the backend offers right now, {id: dir}: a locale is offered only once its
 * catalog passes the release gate, so tests expect what the server says it serves.
 */
async function offeredLocales(backend) {
  const res = await get(`${backend.baseUrl}/api/v1/locales`);
  if (res.status !== 200) {
    throw new Error(`GET /api/v1/locales answered ${res.status}`);
  }
  const list = Array.isArray(res.body) ? res.body : res.body.locales;
  return Object.fromEntries(list.map((item) => [item.id, item.dir]));
}

/** The locale a WeChat tag should get: `wanted` when offered, else the default (en). */
function expectedLocale(offered, wanted) {
  return Object.prototype.hasOwnProperty.call(offered, wanted) ? wanted : 'en';
}


/**
 * The sample identities `seed-demo --json` prints under `samples`, as {passportName,
 * dateOfBirth, permitNumber, ssn, phone, cardStatus}.
 */
function sampleIdentities(seed) {
  return ((seed && seed.samples) || []).map((item) => ({
    passportName: item.passport_name,
    dateOfBirth: item.date_of_birth,
    permitNumber: item.permit_number,
    ssn: item.ssn,
    phone: item.phone,
    cardStatus: item.card_status,
  }));
}

/**
 * Identities that can finish the journey by phone (a permit number and a phone), those whose
 * card is not activated first: verifying must leave those cards as the registry has them.
 */
function verifiableIdentities(seed) {
  const usable = sampleIdentities(seed).filter((item) => item.permitNumber && item.phone);
  const waiting = usable.filter((item) => item.cardStatus === 'not_activated');
  return waiting.concat(usable.filter((item) => item.cardStatus !== 'not_activated'));
}

/**
 * Launch the mini program as WeChat does, running app.js's onLaunch on the current device, with
 * the `develop` version's backend at `backend`; returns the App definition.
 */
function launchApp(backend) {
  config.configure({ backends: { develop: backend.baseUrl, trial: '', release: '' } });
  return runApp();
}

/** Run app.js's onLaunch on the current device with the settings as they are; returns the App definition. */
function runApp() {
  let definition = null;
  global.App = (options) => {
    definition = options;
  };
  const file = require.resolve('../app.js');
  delete require.cache[file];
  require(file);
  delete global.App;
  definition.onLaunch({});
  return definition;
}

const ADMIN = { username: 'stub-publisher', password: 'stub-publisher-password-1' };

/**
 * Create, as an admin, a notice for every verified user, with an official source, and publish
 * it; resolves its id.
 */
async function publishNotice(backend, title) {
  const base = backend.baseUrl;
  let auth = await request('POST', `${base}/api/v1/admin/auth`, ADMIN);
  if (auth.status !== 200) {
    await backend.flask(['admin', 'create', ADMIN.username, '--role', 'superadmin'], `${ADMIN.password}\n`);
    auth = await request('POST', `${base}/api/v1/admin/auth`, ADMIN);
  }
  assert.equal(auth.status, 200, JSON.stringify(auth.body));
  const headers = { Authorization: `Bearer ${auth.body.token}` };
  const created = await request('POST', `${base}/api/v1/admin/notices`, {
    source_locale: 'en',
    translations: { en: { title, body: 'The **new** rule starts in January.' } },
    source: { title: 'MOHRSS', url: 'https://www.mohrss.gov.cn/', date: '2026-11-01' },
    category: 'policy_change',
    priority: 'important',
    audience: { all: true },
  }, headers);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const published = await request('POST', `${base}/api/v1/admin/notices/${created.body.id}/publish`, {}, headers);
  assert.equal(published.status, 200, JSON.stringify(published.body));
  return created.body.id;
}

module.exports = {
  useBackend,
  launchApp,
  runApp,
  publishNotice,
  newDevice,
  newOpenid,
  offeredLocales,
  expectedLocale,
  sampleIdentities,
  verifiableIdentities,
};
