// The contact button: entering the help-desk chat pushes user_enter_tempsession with our
// session-from; the backend greets the user through customer-service send, in their language.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { useBackend, newDevice } = require('./helpers');
const { request, get } = require('./backend');
const auth = require('../lib/auth');
const { sessionFrom } = require('../lib/helpdesk');

const server = useBackend({ seed: false });

/** Messages the emulator's customer-service endpoint received for this user. */
async function customMessagesTo(openid) {
  const res = await get(`${server.backend.emulatorBase}_control/outbox?kind=custom`);
  assert.equal(res.status, 200);
  return res.body.messages.filter((item) => JSON.stringify(item).indexOf(openid) >= 0);
}

test('session-from names the app, the page and the language', () => {
  assert.equal(sessionFrom('card', 'ko'), 'ssc-bridge-miniprogram|card|ko');
  assert.equal(sessionFrom('', ''), 'ssc-bridge-miniprogram||');
});

test('opening the help-desk chat gets a greeting from the backend', async () => {
  const fake = newDevice(server.backend, { language: 'en' });
  const session = await auth.login();
  const pushed = await request('POST', `${server.backend.emulatorBase}_control/push`, {
    kind: 'enter',
    openid: fake.options.openid,
    session_from: sessionFrom('verify', session.locale),
  });
  assert.equal(pushed.status, 200, JSON.stringify(pushed.body));
  assert.equal(pushed.body.status, 200);
  // The greeting is sent by a job after the callback answered; give it a moment.
  let messages = [];
  for (let round = 0; round < 50 && messages.length === 0; round += 1) {
    messages = await customMessagesTo(fake.options.openid);
    if (!messages.length) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  assert.ok(messages.length >= 1, 'a customer-service message was sent to the user');
});
