// The stub's real pages and screen component, run on a minimal mini-program runtime against the
// real backend: the journey page renders every screen the server sends and the user gets through.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { useBackend, newDevice, verifiableIdentities } = require('./helpers');
const { createPage, createComponent, event } = require('./miniapp');
const { answersFor } = require('./journey');

const server = useBackend({ seed: true });

/** Wait until nothing is pending (the pages' promises settle over real HTTP). */
function settle(promise) {
  return Promise.resolve(promise).then(() => new Promise((resolve) => setImmediate(resolve)));
}

/** The verify page with its screen component wired as <ssc-screen bind:action="onAction">. */
function journeyPage() {
  const page = createPage('pages/verify/verify');
  const view = createComponent('components/screen/screen');
  const state = { page, view, pending: null };
  view.on('action', (e) => { state.pending = page.onAction(e); });
  return state;
}

/** Type or tick the answers a step needs, as the user would on the component. */
function fillIn(view, answers) {
  view.data.vm.fields.forEach((field) => {
    if (!(field.name in answers)) {
      return;
    }
    const value = answers[field.name];
    if (field.kind === 'text') {
      view.onInput(event({ name: field.name }, { value }));
    } else if (field.kind === 'checkbox') {
      view.onChoice(event({ name: field.name }, { value: value ? ['on'] : [] }));
    } else {
      view.onChoice(event({ name: field.name }, { value }));
    }
  });
}

/**
 * Walk the journey on the page until `result`; `tapPhone(view, attempt)` plays the phone
 * button. Resolves the steps seen, in order.
 */
async function walkJourney(state, person, tapPhone) {
  const { page, view } = state;
  await settle(page.load());
  const steps = [];
  let phoneAttempts = 0;
  for (let round = 0; round < 25; round += 1) {
    assert.equal(page.data.error, null, JSON.stringify(page.data.error));
    // The page hands its document to the component, as <ssc-screen doc="{{doc}}"> does.
    view.setProps({ doc: page.data.doc, busy: page.data.busy });
    const { vm } = view.data;
    assert.ok(vm && vm.title, 'the component renders a title');
    assert.equal(page.data.dir, vm.dir);
    steps.push(vm.step);
    if (vm.step === 'result') {
      break;
    }
    if (vm.step === 'phone') {
      phoneAttempts += 1;
      await tapPhone(view, phoneAttempts);
    } else {
      fillIn(view, answersFor(vm.step, person, 'en'));
      // A tap on the primary button.
      view.onAction(event({ action: vm.primary.name, url: vm.primary.url }));
    }
    await settle(state.pending);
  }
  return steps;
}

const STEPS = ['language', 'start', 'consent', 'name', 'identifier_type', 'identifier', 'date_of_birth',
  'check', 'second_factor', 'phone'];

test('the verify page and the screen component take a user through the whole journey', async () => {
  const [person] = verifiableIdentities(server.backend.seed);
  const fake = newDevice(server.backend, { language: 'en' });
  const state = journeyPage();
  const { page, view } = state;

  const steps = await walkJourney(state, person, async (screenView, attempt) => {
    if (attempt === 1) {
      // The user first declines WeChat's prompt: the server's own message says what to do.
      await screenView.onPhone(event({}, { errMsg: 'getPhoneNumber:fail user deny' }));
      await settle(state.pending);
      screenView.setProps({ doc: page.data.doc });
      assert.equal(screenView.data.vm.step, 'phone');
      assert.equal(screenView.data.vm.errorSummary.length, 1);
      assert.ok(screenView.data.vm.fields[0].error);
    } else {
      // The getPhoneNumber button: the component submits WeChat's code itself.
      await screenView.onPhone(await fake.phoneNumberEvent(person.phone));
    }
  });
  assert.deepEqual(steps, STEPS.concat(['phone', 'result']), 'the phone screen twice: declined, then shared');
  assert.ok(fake.titles.length > 0, 'the server\'s titles went to the navigation bar');

  // The result's button opens the card; the card page shows the server's words.
  view.onAction(event({ action: view.data.vm.primary.name }));
  await settle(state.pending);
  assert.deepEqual(fake.navigations.pop(), { kind: 'reLaunch', url: '/pages/card/card' });
  const card = createPage('pages/card/card');
  await settle(card.load());
  assert.equal(card.data.error, null);
  assert.ok(card.data.view.status.name);
  assert.ok(card.data.view.rows.length >= 3);
});

test('DevTools against the local backend: no WeChat at all, the emulator mints every code', async () => {
  const [, person] = verifiableIdentities(server.backend.seed);
  const fake = newDevice(server.backend, { language: 'en', loginFails: true });
  require('../lib/config').configure({ emulator: true, emulatorPhone: person.phone });
  const state = journeyPage();
  // DevTools' phone button gives nothing the emulator knows; the component asks the emulator.
  const steps = await walkJourney(state, person, (view) => view.onPhone(event({}, { errMsg: 'getPhoneNumber:fail' })));
  assert.deepEqual(steps, STEPS.concat(['result']));
  assert.equal(fake.logins, 0, 'wx.login was never needed');
});

test('an error on the way is shown from the server: summary, inline error, the answer kept', async () => {
  newDevice(server.backend, { language: 'en' });
  const page = createPage('pages/verify/verify');
  const view = createComponent('components/screen/screen');
  let pending = null;
  view.on('action', (e) => { pending = page.onAction(e); });
  await settle(page.load());
  for (const step of ['language', 'start', 'consent']) {
    view.setProps({ doc: page.data.doc });
    assert.equal(view.data.vm.step, step);
    if (step === 'language') {
      view.onChoice(event({ name: 'locale' }, { value: 'en' }));
    }
    if (step === 'consent') {
      view.onChoice(event({ name: 'consent_sensitive' }, { value: ['on'] }));
    }
    view.onAction(event({ action: view.data.vm.primary.name }));
    await settle(pending);
  }
  view.setProps({ doc: page.data.doc });
  assert.equal(view.data.vm.step, 'name');
  view.onInput(event({ name: 'passport_name' }, { value: '12345 !!!' }));
  view.onAction(event({ action: 'continue' }));
  await settle(pending);
  view.setProps({ doc: page.data.doc });
  const { vm } = view.data;
  assert.equal(vm.step, 'name');
  assert.ok(vm.errorSummary.length >= 1, 'the error summary lists the problem');
  assert.ok(vm.fields[0].error, 'and the field shows it');
  assert.equal(vm.fields[0].value, '12345 !!!', 'what the user typed is kept');

  // Back goes to the previous screen.
  view.onAction(event({ action: 'back' }));
  await settle(pending);
  view.setProps({ doc: page.data.doc });
  assert.equal(view.data.vm.step, 'consent');
});

test('the backend down: the page shows the one offline message', async () => {
  const fake = newDevice(server.backend, { language: 'ko' });
  require('../lib/config').configure({ baseUrl: 'http://127.0.0.1:9' });
  const page = createPage('pages/notices/notices');
  await settle(page.load());
  assert.equal(page.data.error.code, 'network.offline');
  assert.equal(page.data.error.message, require('../lib/offline').MESSAGES.ko);
  assert.ok(fake.requests.length >= 1);
  assert.ok(fake.requests.every((call) => call.status === null), 'nothing answered');
});

test('the settings page lists the server\'s languages in their own names', async () => {
  newDevice(server.backend, { language: 'en' });
  const page = createPage('pages/settings/settings');
  await settle(page.load());
  assert.equal(page.data.error, null, JSON.stringify(page.data.error));
  const offered = await require('../lib/api').locales();
  assert.deepEqual(page.data.locales.map((item) => [item.id, item.name, item.dir]),
    offered.map((item) => [item.id, item.name, item.dir]));
  assert.equal(page.data.current, 'en');
  // No consents journey on this server: the section stays hidden rather than failing.
  assert.equal(page.data.consent, null);
});
