// The whole verification journey on the real backend, screen by screen, through screen.js and
// api.js exactly as the screen component drives them; the phone factor with an emulator code.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { useBackend, newDevice, offeredLocales, verifiableIdentities } = require('./helpers');
const api = require('../lib/api');
const screen = require('../lib/screen');
const phone = require('../lib/phone');

const server = useBackend({ seed: true });

/** The identities seed-demo printed that can verify by phone, cards awaiting activation first. */
function identities() {
  const all = verifiableIdentities(server.backend.seed);
  assert.ok(all.length >= 2, `seed-demo --json should print identities with a permit number and a phone: ${JSON.stringify(server.backend.seed).slice(0, 500)}`);
  return all;
}

/** Check what every screen must have, then return its view model. */
function checkScreen(doc, step, dir) {
  assert.equal(screen.isScreen(doc), true, `a screen document: ${JSON.stringify(doc).slice(0, 300)}`);
  assert.equal(doc.flow, 'verify');
  assert.equal(doc.step, step, `expected step ${step}, got ${doc.step}: ${JSON.stringify(doc.errors)}`);
  const vm = screen.viewModel(doc, screen.initialValues(doc));
  assert.equal(vm.dir, dir);
  assert.ok(vm.title, `step ${step} has a title`);
  assert.ok(vm.primary && vm.primary.label, `step ${step} has a labelled primary action`);
  vm.fields.forEach((field) => assert.ok(field.label, `field ${field.name} has a label`));
  return vm;
}

/** Answer a screen the way the component does: start from its values, set some, submit. */
function answer(doc, values, actionName) {
  const merged = Object.assign(screen.initialValues(doc), values || {});
  return api.submitFlow('verify', screen.submission(doc, actionName, merged));
}

/** The option of a radio field whose value is `value` (it must be offered). */
function option(vm, fieldName, value) {
  const field = vm.fields.find((item) => item.name === fieldName);
  assert.ok(field, `field ${fieldName}`);
  const found = field.options.find((item) => item.value === value);
  assert.ok(found, `option ${value} of ${fieldName}: ${JSON.stringify(field.options)}`);
  assert.ok(found.label, 'options carry the server\'s label');
  return found.value;
}

/** Walk from the language screen to check-answers for `person` in `locale`. */
async function answerEverything(fake, person, locale, dir) {
  let doc = await api.flow('verify');
  // First run: the language comes first, named by the server in each language.
  let vm = checkScreen(doc, 'language', doc.dir === 'rtl' ? 'rtl' : 'ltr');
  doc = await answer(doc, { locale: option(vm, 'locale', locale) });

  checkScreen(doc, 'start', dir);
  doc = await answer(doc);

  vm = checkScreen(doc, 'consent', dir);
  assert.equal(vm.fields[0].kind, 'checkbox');
  assert.equal(vm.fields[0].name, 'consent_sensitive');
  // Not ticking the box: the same screen, 422, with the error at the top and on the field.
  doc = await answer(doc, { consent_sensitive: false });
  vm = checkScreen(doc, 'consent', dir);
  assert.equal(vm.errorCode, 'request.validation');
  assert.equal(vm.errorSummary[0].field, 'consent_sensitive');
  assert.ok(vm.errorSummary[0].message);
  assert.equal(vm.fields[0].error, vm.errorSummary[0].message, 'the inline error matches the summary');
  doc = await answer(doc, { consent_sensitive: screen.valueFromEvent(doc.fields[0], ['on']) });

  vm = checkScreen(doc, 'name', dir);
  assert.equal(vm.fields[0].name, 'passport_name');
  doc = await answer(doc, { passport_name: person.passportName });

  vm = checkScreen(doc, 'identifier_type', dir);
  assert.equal(vm.fields[0].kind, 'radio');
  ['permit_number', 'ssn', 'pr_id'].forEach((value) => option(vm, 'identifier_type', value));
  doc = await answer(doc, { identifier_type: 'permit_number' });

  vm = checkScreen(doc, 'identifier', dir);
  assert.equal(vm.fields[0].name, 'identifier');
  doc = await answer(doc, { identifier: person.permitNumber });

  vm = checkScreen(doc, 'date_of_birth', dir);
  assert.equal(vm.fields[0].kind, 'date');
  doc = await answer(doc, { date_of_birth: person.dateOfBirth });
  return doc;
}

test('the whole journey in English: language, consent, answers, check, change link, phone, result', async () => {
  const [person] = identities();
  const fake = newDevice(server.backend, { language: 'en' });
  let doc = await answerEverything(fake, person, 'en', 'ltr');

  // Check your answers: a summary with change links, confirm as the primary action.
  let vm = checkScreen(doc, 'check', 'ltr');
  assert.equal(vm.primary.name, 'confirm');
  assert.ok(vm.summary.length >= 4);
  const changes = vm.summary.map((row) => row.change);
  assert.deepEqual(changes.slice().sort(), ['date_of_birth', 'identifier', 'identifier_type', 'passport_name']);
  vm.summary.forEach((row) => assert.ok(row.label && row.value));

  // A change link goes to the question with the answer filled in, and back to check answers.
  doc = await api.submitFlow('verify', screen.changeSubmission(doc, 'passport_name'));
  vm = checkScreen(doc, 'name', 'ltr');
  assert.equal(vm.fields[0].value, person.passportName);
  doc = await answer(doc, { passport_name: person.passportName });
  checkScreen(doc, 'check', 'ltr');

  // A stale submission (an old screen from another device) answers 409 with the current screen.
  const stale = await api.submitFlow('verify', { step: 'name', action: 'continue', answers: { passport_name: 'X' } });
  vm = checkScreen(stale, 'check', 'ltr');
  assert.equal(vm.errorCode, 'flow.stale_step');
  assert.ok(vm.errorHeading);

  doc = await answer(doc, {}, 'confirm');
  vm = checkScreen(doc, 'second_factor', 'ltr');
  option(vm, 'method', 'in_person');
  doc = await answer(doc, { method: option(vm, 'method', 'phone') });

  // The phone-number button: WeChat's one-time code becomes the phone_code answer.
  vm = checkScreen(doc, 'phone', 'ltr');
  assert.equal(vm.fields[0].kind, 'phone');
  assert.equal(phone.phoneFieldName(doc), 'phone_code');
  const event = await fake.phoneNumberEvent(person.phone);
  const payload = phone.phoneSubmission(doc, event, {});
  assert.equal(payload.answers.phone_code, event.detail.code);
  doc = await api.submitFlow('verify', payload);
  vm = checkScreen(doc, 'result', 'ltr');
  assert.deepEqual(vm.errorSummary, []);

  const me = await api.me();
  assert.equal(me.user.verified, true);
  const card = await api.card();
  // Verifying links the account and activates nothing: the card keeps the registry's status.
  const expected = person.cardStatus;
  if (expected) {
    assert.equal(card.card.status.code, expected);
  }

  // Coming back later shows the result, not a new journey.
  checkScreen(await api.flow('verify'), 'result', 'ltr');

  // Settings: the consent given on the way is listed, and can be withdrawn.
  const consents = (await api.myData()).consents.filter((item) => !item.withdrawn_at);
  assert.deepEqual(consents.map((item) => item.purpose), ['sensitive_identifiers']);
  const withdrawn = await api.withdrawConsent('sensitive_identifiers');
  assert.ok(withdrawn.message, 'the server says what withdrawing did');
  assert.ok((await api.myData()).consents.every((item) => item.withdrawn_at));
  await assert.rejects(api.withdrawConsent('sensitive_identifiers'), { code: 'consent.not_found', status: 404 });
});

test('a phone number that is not the registry\'s is refused on the same screen', async () => {
  const [, person] = identities();
  const fake = newDevice(server.backend, { language: 'en' });
  let doc = await answerEverything(fake, person, 'en', 'ltr');
  doc = await answer(doc, {}, 'confirm');
  doc = await answer(doc, { method: 'phone' });
  checkScreen(doc, 'phone', 'ltr');
  const event = await fake.phoneNumberEvent('+8613000000000');
  doc = await api.submitFlow('verify', phone.phoneSubmission(doc, event, {}));
  const vm = checkScreen(doc, 'phone', 'ltr');
  assert.match(vm.errorCode, /^verification\./);
  assert.ok(vm.errorSummary.length >= 1);
  assert.equal(vm.fields[0].value, '', 'a used phone code is never offered again');
  await assert.rejects(api.card(), { code: 'card.not_verified', status: 403 });
});

test('the journey right to left: every screen says rtl once an RTL language is chosen', async () => {
  const offered = await offeredLocales(server.backend);
  const locale = offered.ar ? 'ar' : 'ar@pseudo';
  // The journey stops at check answers here, so any identity will do.
  const person = identities()[2] || identities()[0];
  const fake = newDevice(server.backend, { language: 'ar' });
  const doc = await answerEverything(fake, person, locale, 'rtl');
  const vm = checkScreen(doc, 'check', 'rtl');
  assert.equal(vm.rtl, true);
  assert.equal(doc.locale, locale);
  // Values typed in Latin letters stay whole inside right-to-left text.
  vm.summary.forEach((row) => assert.match(row.value, /^\u2068.*\u2069$/s));
});

test('every offered language: each screen up to check answers renders with the server\'s words', async () => {
  const offered = await offeredLocales(server.backend);
  const person = identities()[0];
  for (const [locale, dir] of Object.entries(offered)) {
    // A new device per language: the journey's first run offers the language choice.
    const fake = newDevice(server.backend, { language: 'en' });
    const doc = await answerEverything(fake, person, locale, dir);
    const vm = checkScreen(doc, 'check', dir);
    assert.equal(doc.locale, locale);
    assert.ok(vm.summary.length >= 4, `${locale}: the answers to check`);
    vm.summary.forEach((row) => assert.ok(row.label, `${locale}: summary rows are labelled`));
  }
});
