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

test('the verify page and the screen component take a user through the whole journey', async () => {
  const [person] = verifiableIdentities(server.backend.seed);
  const fake = newDevice(server.backend, { language: 'en' });

  const page = createPage('pages/verify/verify');
  const view = createComponent('components/screen/screen');
  let pending = null;
  view.on('action', (e) => { pending = page.onAction(e); });
  await settle(page.load());

  const steps = [];
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
      // The getPhoneNumber button: the component submits the code itself.
      view.onPhone(await fake.phoneNumberEvent(person.phone));
    } else {
      const answers = answersFor(vm.step, person, 'en');
      vm.fields.forEach((field) => {
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
      // A tap on the primary button.
      view.onAction(event({ action: vm.primary.name, url: vm.primary.url }));
    }
    await settle(pending);
  }
  assert.deepEqual(steps, ['language', 'start', 'consent', 'name', 'identifier_type', 'identifier',
    'date_of_birth', 'check', 'second_factor', 'phone', 'result']);
  assert.ok(fake.titles.length > 0, 'the server\'s titles went to the navigation bar');

  // The result's button opens the card; the card page shows the server's words.
  view.onAction(event({ action: view.data.vm.primary.name }));
  await settle(pending);
  assert.deepEqual(fake.navigations.pop(), { kind: 'reLaunch', url: '/pages/card/card' });
  const card = createPage('pages/card/card');
  await settle(card.load());
  assert.equal(card.data.error, null);
  assert.ok(card.data.view.status.name);
  assert.ok(card.data.view.rows.length >= 3);
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
