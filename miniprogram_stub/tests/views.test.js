// views.js and qr.js as pure functions: response shapes of the card services to display rows.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const views = require('../lib/views');
const { startQrRefresh, imageSrc, base64Utf8 } = require('../lib/qr');

const money = (value, display) => ({ value, display });

test('the card: status with the Chinese term, holder rows, labels when the server sends them', () => {
  const body = {
    locale: 'en',
    dir: 'ltr',
    card: {
      status: { code: 'normal', name: 'Normal', term_zh: '正常', explanation: 'In use.', usable: true, changed_on: { iso: '2025-01-02', display: 'Jan 2, 2025' } },
      number_masked: '••••1234',
      issuing_city: { code: '310000', name: 'Shanghai', name_zh: '上海市', province: null },
    },
    holder: { name: 'MUELLER HANS', nationality: { code: 'DEU', name: 'Germany' }, ssn_masked: '••••5678' },
    next_step: null,
    disclaimer: 'A copy.',
    labels: { holder_name: 'Name' },
  };
  const view = views.cardView(body);
  assert.deepEqual(view.status, { code: 'normal', name: 'Normal', termZh: '正常', explanation: 'In use.', changed: 'Jan 2, 2025', usable: true });
  assert.deepEqual(view.rows.map((row) => [row.key, row.label, row.value, row.sub]), [
    ['holder_name', 'Name', '\u2068MUELLER HANS\u2069', ''],
    ['nationality', '', 'Germany', ''],
    ['ssn', '', '\u2068••••5678\u2069', ''],
    ['card_number', '', '\u2068••••1234\u2069', ''],
    ['issuing_city', '', 'Shanghai', '上海市'],
  ]);
  assert.equal(view.disclaimer, 'A copy.');
  assert.equal(view.guide, '');
  assert.equal(views.cardView(Object.assign({}, body, { card: null, next_step: { guide: 'lost-card' } })).guide, 'lost-card');
});

test('the permit: validity, employer in both languages, the on-site check', () => {
  const view = views.permitView({
    dir: 'rtl',
    permit: {
      number_masked: '••••0001',
      category: { code: 'B', name: 'Category B', term_zh: 'B类', explanation: 'Professional.' },
      status: { code: 'valid', name: 'Valid', term_zh: '有效', explanation: null },
      employer: { name: 'Acme', name_en: 'Acme', name_zh: '阿克米' },
      position: 'Engineer',
      work_address: '1 Road',
      work_city: { code: '310000', name: 'Shanghai', name_zh: '上海市' },
      validity: { from: { display: 'Jan 1, 2025' }, to: { display: 'Dec 31, 2025' }, days_left: 30, days_left_text: '30 days left', expired: false },
      onsite_check: { required: true, deadline: { display: 'Feb 1, 2025' }, passed: true, days_left: 0, days_left_text: 'Ended 2 days ago', explanation: 'Go in person.' },
    },
  });
  assert.equal(view.dir, 'rtl');
  assert.equal(view.category.termZh, 'B类');
  assert.deepEqual(view.rows.map((row) => row.key), ['permit_number', 'employer', 'position', 'work_address', 'work_city', 'validity']);
  assert.equal(view.rows[1].sub, '阿克米');
  assert.equal(view.rows[5].value, 'Jan 1, 2025 – Dec 31, 2025');
  assert.equal(view.rows[5].sub, '30 days left');
  assert.deepEqual(view.onsite, { explanation: 'Go in person.', deadline: 'Feb 1, 2025', daysLeft: 'Ended 2 days ago', passed: true });
});

test('the insurances: five items with exemptions', () => {
  const view = views.insurancesView({
    insurances: [
      { insurance: { code: 'pension', name: 'Pension', term_zh: '养老保险' }, status: { code: 'exempt', name: 'Exempt' }, start_period: { display: 'March 2024' }, end_period: null,
        exemption: { country: { name: 'Germany' }, certificate_of_coverage: 'DE-1', valid_to: { display: 'Jan 1, 2027' }, days_left_text: '400 days left', expired: false, agreement_covers: [{ name: 'Pension' }, { name: 'Unemployment' }] } },
      { insurance: { code: 'medical', name: 'Medical', term_zh: '医疗保险' }, status: { code: 'active', name: 'Paying' }, start_period: { display: 'March 2024' }, end_period: null, exemption: null },
    ],
    exemption_note: 'Only the agency decides.',
    guide: 'bilateral-agreements',
  });
  assert.equal(view.items.length, 2);
  assert.equal(view.items[0].exemption.certificate, '\u2068DE-1\u2069');
  assert.deepEqual(view.items[0].exemption.covers, ['Pension', 'Unemployment']);
  assert.equal(view.items[1].period, 'March 2024');
  assert.deepEqual(view.items.map((item) => item.key), view.items.map((item) => item.code), 'each insurance is keyed by its code');
  assert.equal(view.note, 'Only the agency decides.');
  assert.equal(view.guide, 'bilateral-agreements');
});

function record(id, period, kind) {
  return {
    id,
    period,
    insurance: { code: kind, name: kind, term_zh: '', short_name: kind.slice(0, 3) },
    employer_amount: money('10.00', '¥10.00'),
    employee_amount: money('2.00', '¥2.00'),
    total: money('12.00', '¥12.00'),
    status: { code: 'paid', name: 'Paid' },
    arrears: false,
    employer: { name: 'Acme', name_zh: '阿克米' },
  };
}

test('contributions: a page ending inside a month is continued by the next page', () => {
  const first = views.contributionsView({
    year: 2025,
    years: [2024, 2025],
    months: [
      { period: '2025-01', label: 'January 2025', totals: { total: money('24.00', '¥24.00') }, has_arrears: false, records: [record(1, '2025-01', 'pension'), record(2, '2025-01', 'medical')] },
      { period: '2025-02', label: 'February 2025', totals: { total: money('24.00', '¥24.00') }, has_arrears: true, records: [record(3, '2025-02', 'pension')] },
    ],
    totals: { total: money('48.00', '¥48.00'), employer: money('40.00', '¥40.00'), employee: money('8.00', '¥8.00'), by_insurance: [{ insurance: { name: 'Pension' }, total: money('24.00', '¥24.00') }] },
    gaps: [{ period: '2025-03', label: 'March 2025' }],
    arrears: [{ period: '2025-02', label: 'February 2025', insurance: { name: 'Medical' }, amount: money('12.00', '¥12.00') }],
    next_cursor: 'abc',
  }, null);
  assert.deepEqual(first.years, [2025, 2024]);
  assert.equal(first.nextCursor, 'abc');
  assert.equal(first.total, '¥48.00');
  assert.deepEqual(first.gaps, ['March 2025']);
  assert.deepEqual(first.arrears, [{ period: 'February 2025', insurance: 'Medical', amount: '¥12.00', key: 'February 2025/Medical' }]);
  assert.equal(first.months[1].arrears, true);

  const second = views.contributionsView({
    year: 2025,
    years: [2024, 2025],
    months: [{ period: '2025-02', label: 'February 2025', totals: {}, records: [record(4, '2025-02', 'medical')] }],
    totals: {},
    next_cursor: null,
  }, first);
  assert.deepEqual(second.months.map((month) => [month.period, month.records.map((r) => r.id)]), [['2025-01', [1, 2]], ['2025-02', [3, 4]]]);
  assert.equal(second.nextCursor, '');
  assert.deepEqual(first.months[1].records.map((r) => r.id), [3], 'the earlier view is not changed');
});

test('contributions with codes: names from the response\'s labels and employers tables', () => {
  const view = views.contributionsView({
    year: 2025,
    years: [2025],
    months: [{ period: '2025-01', label: 'January 2025', totals: { total: money('12.00', '¥12.00') }, has_arrears: false,
      records: [{ id: 9, period: '2025-01', insurance: 'pension', total: money('12.00', '¥12.00'), employer_amount: money('10.00', '¥10.00'), employee_amount: money('2.00', '¥2.00'), status: 'paid', arrears: false, employer_id: 4 }] }],
    totals: { total: money('12.00', '¥12.00'), by_insurance: [{ insurance: 'pension', total: money('12.00', '¥12.00') }] },
    arrears: [{ period: '2025-01', label: 'January 2025', insurance: 'pension', amount: money('1.00', '¥1.00') }],
    labels: {
      insurances: { pension: { name: 'Basic pension insurance', term_zh: '养老保险', short_name: 'Pension' } },
      statuses: { paid: { name: 'Paid', term_zh: '已缴' } },
    },
    employers: { 4: { name: 'Acme', name_zh: '阿克米' } },
    next_cursor: null,
  }, null);
  assert.deepEqual(view.months[0].records[0], {
    id: 9, insurance: 'Pension', insuranceZh: '养老保险', employer: 'Acme', employerAmount: '¥10.00',
    employeeAmount: '¥2.00', total: '¥12.00', status: 'Paid', arrears: false,
  });
  assert.deepEqual(view.byInsurance, [{ code: 'pension', insurance: 'Basic pension insurance', total: '¥12.00', key: 'pension' }]);
  assert.equal(view.arrears[0].insurance, 'Basic pension insurance');
});

test('notices: unread count, read state, date part of the timestamp', () => {
  const view = views.noticesView({
    dir: 'ltr',
    items: [{ id: 7, title: 'T', body_html: '<p>B</p>', important: true, read: false, published_at: '2026-11-20T08:00:00+00:00', source: { title: 'MOHRSS', url: 'https://www.mohrss.gov.cn/', date: '2026-11-19' } }],
    unread: 1,
    next_page: null,
  });
  assert.equal(view.unread, 1);
  assert.deepEqual(view.items[0], {
    id: 7, title: 'T', html: '<p>B</p>', important: true, read: false, date: '2026-11-20',
    source: { title: 'MOHRSS', url: 'https://www.mohrss.gov.cn/', date: '2026-11-19' }, dir: 'ltr',
  });
});

/** Timers that only record what is scheduled: `pending[i]` is {fn, ms}, or null once cleared. */
function fakeTimers() {
  const pending = [];
  const timers = {
    setTimeout: (fn, ms) => {
      pending.push({ fn, ms });
      return pending.length;
    },
    clearTimeout: (id) => {
      pending[id - 1] = null;
    },
  };
  return { pending, timers };
}

test('the identity QR is fetched again every 60 seconds, and stops when the page hides', async () => {
  const { pending, timers } = fakeTimers();
  let n = 0;
  const shown = [];
  const refresher = startQrRefresh({
    fetch: async () => ({ payload: `p${++n}`, expires_in: 60 }),
    onUpdate: (body) => shown.push(body.payload),
    onError: (err) => shown.push(err.message),
    seconds: 60,
    timers,
  });
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(shown, ['p1']);
  assert.equal(pending[0].ms, 60000);
  await pending[0].fn();
  assert.deepEqual(shown, ['p1', 'p2']);
  assert.equal(pending[1].ms, 60000);
  refresher.stop();
  assert.equal(pending[1], null, 'no refresh after stop');
});

test('a tap while the QR is loading leaves one refresh loop, and the newest code on screen', async () => {
  const { pending, timers } = fakeTimers();
  const answers = [];
  const shown = [];
  const refresher = startQrRefresh({
    fetch: () => new Promise((resolve) => answers.push(resolve)),
    onUpdate: (body) => shown.push(body.payload),
    onError: (err) => shown.push(err.message),
    seconds: 60,
    timers,
  });
  const tapped = refresher.refreshNow(); // the first code is still on its way
  answers[1]({ payload: 'p2', expires_in: 60 });
  await tapped;
  answers[0]({ payload: 'p1', expires_in: 60 }); // the older answer arrives last
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(shown, ['p2']);
  assert.equal(pending.filter(Boolean).length, 1, 'one loop');
  refresher.stop();
  assert.equal(pending.filter(Boolean).length, 0, 'nothing left after stop');
  await refresher.refreshNow();
  assert.equal(answers.length, 2, 'no fetch after stop');
});

test('the QR image becomes a base64 data URI the <image> component shows', () => {
  const svg = '<svg xmlns="http://www.w3.org/2000/svg"><path d="M0 0h1"/><!-- é --></svg>';
  const src = imageSrc(`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`);
  assert.equal(src, `data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}`);
  assert.equal(imageSrc('data:image/png;base64,AAAA'), 'data:image/png;base64,AAAA');
  assert.equal(imageSrc(null), '');
  ['', 'a', 'ab', 'abc', 'abcd', '中文'].forEach((text) => assert.equal(base64Utf8(text), Buffer.from(text, 'utf8').toString('base64')));
});

test('the settings languages carry BCP 47 tags for lang, from the server or the locale id', () => {
  const options = views.localeOptions([
    { id: 'zh_Hans', name: '中文 (简体)', dir: 'ltr', bcp47: 'zh-Hans' },
    { id: 'ar@pseudo', name: 'العربية (pseudo)', dir: 'rtl', bcp47: 'ar-XB' },
    { id: 'zh_Hant', name: '中文 (繁體)' },
  ]);
  assert.deepEqual(options, [
    { id: 'zh_Hans', name: '中文 (简体)', dir: 'ltr', tag: 'zh-Hans' },
    { id: 'ar@pseudo', name: 'العربية (pseudo)', dir: 'rtl', tag: 'ar-XB' },
    { id: 'zh_Hant', name: '中文 (繁體)', dir: 'ltr', tag: 'zh-Hant' },
  ]);
  assert.deepEqual(views.localeOptions({ locales: [{ id: 'en', name: 'English', bcp47: 'en' }] }).map((item) => item.tag), ['en']);
});
