// The card screens on the real backend for a user verified through the journey.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { useBackend, newDevice, verifiableIdentities } = require('./helpers');
const { verifyByPhone } = require('./journey');
const api = require('../lib/api');
const views = require('../lib/views');
const { imageSrc } = require('../lib/qr');

const server = useBackend({ seed: true });

let verifiedDevice = null;
let verifiedPerson = null;

/** A device whose user is verified (done once; the card tests share it). */
async function verifiedUser() {
  if (!verifiedDevice) {
    const [person] = verifiableIdentities(server.backend.seed);
    assert.ok(person, 'seed-demo --json prints an identity with a permit number and a phone');
    verifiedPerson = person;
    verifiedDevice = newDevice(server.backend, { language: 'en' });
    await verifyByPhone(verifiedDevice, person);
  }
  global.wx = verifiedDevice;
  return verifiedDevice;
}

test('an unverified user is told to verify first, in the envelope', async () => {
  newDevice(server.backend, { language: 'en' });
  await assert.rejects(api.card(), (err) => {
    assert.equal(err.code, 'card.not_verified');
    assert.equal(err.status, 403);
    assert.ok(err.message);
    return true;
  });
  await assert.rejects(api.qr(), { code: 'card.not_verified' });
});

test('the card: status with its Chinese term, holder and masked numbers', async () => {
  await verifiedUser();
  const body = await api.card();
  const view = views.cardView(body);
  assert.equal(view.dir, 'ltr');
  // Verifying activates nothing: the card shows the status the registry records.
  assert.equal(view.status.code, verifiedPerson.cardStatus);
  assert.ok(view.status.name);
  assert.ok(view.status.termZh);
  assert.equal(view.status.usable, view.status.code === 'normal');
  const keys = view.rows.map((row) => row.key);
  assert.ok(keys.includes('holder_name'));
  assert.ok(keys.includes('ssn'));
  const ssn = view.rows.find((row) => row.key === 'ssn');
  assert.match(ssn.value, /\u2022|\*/, 'numbers are masked by the server');
  assert.ok(view.disclaimer);
});

test('the permit and the five insurances', async () => {
  await verifiedUser();
  const permit = views.permitView(await api.permit());
  assert.ok(permit.category && permit.category.name);
  assert.ok(permit.status && permit.status.name);
  assert.ok(permit.rows.some((row) => row.key === 'permit_number'));
  assert.ok(permit.rows.some((row) => row.key === 'validity'));

  const insurances = views.insurancesView(await api.insurances());
  assert.equal(insurances.items.length, 5);
  insurances.items.forEach((item) => {
    assert.ok(item.insurance.name);
    assert.ok(item.status.name);
  });
});

test('contributions by year, page by page with the cursor, each record once', async () => {
  await verifiedUser();
  const first = await api.contributions({});
  assert.ok(Array.isArray(first.years) && first.years.length >= 1);
  const year = Math.max(...first.years.filter((value) => value <= first.year).concat([first.years[0]]));
  const whole = views.contributionsView(await api.contributions({ year }), null);
  const expected = whole.months.reduce((sum, month) => sum + month.records.length, 0);

  let view = views.contributionsView(await api.contributions({ year, limit: 7 }), null);
  let pages = 1;
  while (view.nextCursor) {
    view = views.contributionsView(await api.contributions({ year, cursor: view.nextCursor, limit: 7 }), view);
    pages += 1;
    assert.ok(pages < 100, 'the cursor ends');
  }
  const ids = view.months.flatMap((month) => month.records.map((record) => record.id));
  assert.equal(ids.length, expected);
  assert.equal(new Set(ids).size, ids.length, 'no record twice across pages');
  assert.deepEqual(view.months.map((month) => month.period), whole.months.map((month) => month.period));
  if (expected > 7) {
    assert.ok(pages > 1, 'more than one page');
  }
  view.months.forEach((month) => {
    assert.ok(month.label);
    month.records.forEach((record) => assert.ok(record.employerAmount && record.employeeAmount && record.insurance && record.status));
  });

  await assert.rejects(api.contributions({ year: 'abcd' }), { code: 'contributions.invalid_year', status: 400 });
});

test('the identity QR: a new single-use payload each time, with its image', async () => {
  await verifiedUser();
  const one = await api.qr();
  const two = await api.qr();
  assert.notEqual(one.payload, two.payload);
  assert.match(one.image, /^data:image\/(svg\+xml|png)/);
  const src = imageSrc(one.image);
  assert.match(src, /^data:image\/(svg\+xml|png);base64,/);
  if (src.startsWith('data:image/svg+xml')) {
    assert.match(Buffer.from(src.split(',')[1], 'base64').toString('utf8'), /<svg[\s\S]*<\/svg>/);
  }
  assert.equal(one.expires_in, 60);
  assert.ok(one.hint);
});
