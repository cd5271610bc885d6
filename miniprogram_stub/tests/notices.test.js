// The notices inbox and subscribe messages on the real backend, with a notice an admin published.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { useBackend, newDevice, verifiableIdentities, publishNotice: publishCommonNotice } = require('./helpers');
const { verifyByPhone } = require('./journey');
const api = require('../lib/api');
const config = require('../lib/config');
const views = require('../lib/views');
const { subscribe } = require('../lib/subscribe');

const server = useBackend({ seed: true });

/** Publish a notice for every verified user; resolves its id. */
function publishNotice(title) {
  return publishCommonNotice(server.backend, title);
}

let device = null;

/** A verified user's device (notices go to verified users). */
async function verifiedDevice() {
  if (!device) {
    const [person] = verifiableIdentities(server.backend.seed);
    device = newDevice(server.backend, { language: 'en' });
    await verifyByPhone(device, person);
  }
  global.wx = device;
  config.reset();
  config.configure({ baseUrl: server.backend.baseUrl });
  return device;
}

test('the inbox: a published notice arrives; opening it marks it read', async () => {
  await verifiedDevice();
  const before = views.noticesView(await api.notices());
  const id = await publishNotice('New pension rule');

  const view = views.noticesView(await api.notices());
  const item = view.items.find((entry) => entry.id === id);
  assert.ok(item, 'the notice is in the inbox');
  assert.equal(item.title, 'New pension rule');
  assert.match(item.html, /<strong>new<\/strong>/, 'the body is the server\'s sanitised HTML');
  assert.equal(item.important, true);
  assert.equal(item.read, false);
  assert.equal(item.source.url, 'https://www.mohrss.gov.cn/');
  assert.equal(view.unread, before.unread + 1);
  assert.equal(view.items[0].id, id, 'newest first');

  const read = await api.readNotice(id);
  assert.equal(read.read, true);
  const after = views.noticesView(await api.notices());
  assert.equal(after.items.find((entry) => entry.id === id).read, true);
  assert.equal(after.unread, before.unread);

  await assert.rejects(api.readNotice(987654321), { code: 'notice.not_found', status: 404 });
});

test('subscribe: WeChat\'s answers go to /api/v1/subscriptions, once per report', async () => {
  const fake = await verifiedDevice();
  fake.options.subscribeResult = { tmpl_notice_update: 'accept', tmpl_deadline_reminder: 'reject', tmpl_card_status: 'ban' };
  const result = await subscribe();
  assert.deepEqual(fake.subscribeCalls[0], config.get().subscribeTemplateIds);
  assert.equal(result.reported, true);
  const rows = Object.fromEntries(result.response.subscriptions.map((row) => [row.template_id, row]));
  assert.equal(rows.tmpl_notice_update.available, 1);
  assert.equal(rows.tmpl_card_status.available, 0);
  assert.equal(rows.tmpl_deadline_reminder.status, 'reject');

  // The same report sent again (a retry) adds nothing.
  const again = await api.subscriptions({ results: { tmpl_notice_update: 'accept' }, report_id: result.reportId });
  assert.equal(again.subscriptions[0].available, 1);

  // The user switched subscriptions off: WeChat fails the call and nothing is reported.
  fake.options.subscribeResult = { errCode: 20004 };
  const off = await subscribe();
  assert.deepEqual(off, { answers: {}, reported: false, errCode: 20004 });

  await assert.rejects(api.subscriptions({ results: { tmpl_notice_update: 'maybe' } }), { code: 'request.validation', status: 422 });
});
