// screen.js, phone.js, offline.js and language.js as pure functions (no backend needed).
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const screen = require('../lib/screen');
const phone = require('../lib/phone');
const { offlineMessage, messageKey, MESSAGES } = require('../lib/offline');
const { wechatLanguage, guessDirection } = require('../lib/language');
const { answersOf } = require('../lib/subscribe');

// The example of docs/architecture.md ("Screen documents"), with one field of every kind added.
const DOC = {
  flow: 'verify',
  step: 'identifier',
  locale: 'ko',
  dir: 'ltr',
  progress: { current: 4, total: 7 },
  title: 'T',
  body: ['B1', 'B2'],
  fields: [
    { name: 'identifier', type: 'text', label: 'L', hint: 'H', required: true, value: '', error: 'E1', inputmode: 'numeric', max_length: 18, options: [] },
    { name: 'date_of_birth', type: 'date', label: 'D', value: '1990-02-03' },
    { name: 'identifier_type', type: 'radio', label: 'R', value: 'ssn', options: [{ value: 'permit_number', label: 'P' }, { value: 'ssn', label: 'S', hint: 'SH' }] },
    { name: 'consent_sensitive', type: 'checkbox', label: 'C', value: false },
    { name: 'topics', type: 'checkbox', label: 'M', value: ['a'], options: ['a', 'b'] },
    { name: 'phone_code', type: 'phone', label: 'PH' },
  ],
  errors: [{ field: 'identifier', message: 'E1' }, { field: 'date_of_birth', message: 'E2' }],
  summary: [{ label: 'SL', value: 'Müller', change: 'name' }],
  actions: [{ name: 'continue', label: 'Go', primary: true }, { name: 'back', label: 'Back' }, { name: 'change', label: 'Change' }],
};

test('fields of every kind become view models', () => {
  const vm = screen.viewModel(DOC, screen.initialValues(DOC));
  assert.deepEqual(vm.fields.map((field) => field.kind), ['text', 'date', 'radio', 'checkbox', 'checkboxes', 'phone']);
  const [text, date, radio, checkbox, many, phoneField] = vm.fields;
  assert.equal(text.inputType, 'number');
  assert.equal(text.maxLength, 18);
  assert.equal(text.id, 'field-identifier');
  assert.equal(text.error, 'E1');
  assert.equal(date.value, '1990-02-03');
  assert.equal(date.error, 'E2', 'an error listed only in `errors` shows inline too');
  assert.deepEqual(radio.options.map((option) => [option.value, option.checked, option.hint]), [['permit_number', false, ''], ['ssn', true, 'SH']]);
  assert.equal(checkbox.checked, false);
  assert.deepEqual(many.options.map((option) => [option.value, option.label, option.checked]), [['a', 'a', true], ['b', 'b', false]]);
  assert.equal(phoneField.value, '');
});

test('error summary, progress, summary rows and actions', () => {
  const vm = screen.viewModel(DOC);
  assert.deepEqual(vm.errorSummary, [
    { field: 'identifier', message: 'E1', anchor: 'field-identifier', key: 'identifier' },
    { field: 'date_of_birth', message: 'E2', anchor: 'field-date_of_birth', key: 'date_of_birth' },
  ]);
  assert.deepEqual(vm.progress, { current: 4, total: 7, percent: 57, label: '' });
  assert.deepEqual(vm.summary, [{ label: 'SL', value: '\u2068Müller\u2069', note: '', change: 'name', changeLabel: 'Change', key: 'name' }]);
  assert.equal(vm.primary.name, 'continue');
  assert.deepEqual(vm.secondary.map((action) => action.name), ['back'], '`change` is a summary link, not a button');
  assert.equal(vm.title, 'T');
  assert.deepEqual(vm.body, ['B1', 'B2']);
});

test('a summary row keeps its note (a guide\'s phrase to say, the date an agreement took effect)', () => {
  const vm = screen.viewModel({ flow: 'guide-lost-card', step: 'temporary', summary: [
    { label: '12333 hotline', value: '12333', note: 'On the phone, say: 我要临时挂失社保卡。', change: null },
    { label: 'A service point', value: '社保卡服务网点' },
  ] });
  assert.deepEqual(vm.summary.map((row) => row.note), ['On the phone, say: 我要临时挂失社保卡。', '']);
});

test('every listed item has a key of its own, also when two look alike', () => {
  const vm = screen.viewModel({ flow: 'f', step: 's',
    errors: [{ field: null, message: 'Try again' }, { field: null, message: 'Try again' }, { field: 'a', message: 'A' }],
    summary: [{ label: 'Name', value: 'x', change: 'name' }, { label: 'Note', value: 'y' }, { label: 'Note', value: 'z' }] });
  assert.deepEqual(vm.errorSummary.map((item) => item.key), ['Try again', 'Try again~2', 'a']);
  assert.deepEqual(vm.summary.map((row) => row.key), ['name', 'Note', 'Note~2']);
});

test('right to left comes from the document', () => {
  assert.equal(screen.viewModel(Object.assign({}, DOC, { dir: 'rtl' })).rtl, true);
  assert.equal(screen.viewModel(DOC).dir, 'ltr');
  assert.equal(screen.direction({ dir: 'nonsense' }), 'ltr');
});

test('primary action: marked, else continue/confirm, else the first', () => {
  assert.equal(screen.primaryAction({ actions: [{ name: 'back' }, { name: 'confirm' }] }).name, 'confirm');
  assert.equal(screen.primaryAction({ actions: [{ name: 'x' }, { name: 'y' }] }).name, 'x');
  assert.equal(screen.primaryAction({ actions: [{ name: 'back' }, { name: 'send', primary: true }] }).name, 'send');
  assert.equal(screen.primaryAction({}), null);
});

test('answers are collected from WeChat events and cleaned for the wire', () => {
  const values = screen.initialValues(DOC);
  const byName = Object.fromEntries(DOC.fields.map((field) => [field.name, field]));
  values.identifier = screen.valueFromEvent(byName.identifier, '  12345 ');
  values.consent_sensitive = screen.valueFromEvent(byName.consent_sensitive, ['on']);
  values.topics = screen.valueFromEvent(byName.topics, ['b']);
  values.identifier_type = screen.valueFromEvent(byName.identifier_type, 'permit_number');
  assert.deepEqual(screen.submission(DOC, 'continue', values), {
    step: 'identifier',
    action: 'continue',
    answers: {
      identifier: '12345',
      date_of_birth: '1990-02-03',
      identifier_type: 'permit_number',
      consent_sensitive: true,
      topics: ['b'],
      phone_code: '',
    },
  });
  assert.deepEqual(screen.submission(DOC, 'back', values), { step: 'identifier', action: 'back', answers: {} });
  assert.deepEqual(screen.changeSubmission(DOC, 'name'), { step: 'identifier', action: 'change', answers: { field: 'name' } });
  assert.equal(screen.submission(DOC, null, values).action, 'continue');
});

test('a checkbox from a switch or an untouched field', () => {
  const field = { name: 'c', type: 'checkbox' };
  assert.equal(screen.valueFromEvent(field, true), true);
  assert.equal(screen.valueFromEvent(field, []), false);
  assert.equal(screen.initialValue({ name: 'c', type: 'checkbox', value: 'true' }), true);
});

test('a screen is found in a body, an envelope or nowhere', () => {
  assert.equal(screen.screenFromBody(DOC), DOC);
  assert.equal(screen.screenFromBody({ error: { code: 'x', message: 'm', details: { screen: DOC } } }), DOC);
  assert.equal(screen.screenFromBody({ screen: DOC }), DOC);
  assert.equal(screen.screenFromBody({ error: { code: 'x', message: 'm' } }), null);
  assert.equal(screen.screenFromBody('<html>'), null);
});

test('a 4xx screen keeps its envelope: heading above the field errors, no duplicate', () => {
  const stale = Object.assign({}, DOC, { errors: [], fields: [], error: { code: 'flow.stale_step', message: 'STALE', details: {} } });
  assert.equal(screen.isScreen(stale), true);
  assert.equal(screen.screenFromBody(stale), stale);
  const vm = screen.viewModel(stale);
  assert.equal(vm.errorHeading, 'STALE');
  assert.equal(vm.errorCode, 'flow.stale_step');
  const single = Object.assign({}, DOC, { fields: [], errors: [{ field: 'x', message: 'ONLY' }], error: { code: 'request.validation', message: 'ONLY' } });
  assert.equal(screen.viewModel(single).errorHeading, '', 'the one error is not shown twice');
  const many = Object.assign({}, DOC, { error: { code: 'request.validation', message: 'FIX' } });
  assert.equal(screen.viewModel(many).errorHeading, 'FIX');
  assert.equal(screen.viewModel(DOC).errorHeading, '');
});

test('unknown field types render as text, odd options are tolerated', () => {
  assert.equal(screen.fieldKind({ type: 'email' }), 'text');
  assert.equal(screen.fieldKind({}), 'text');
  assert.deepEqual(screen.normalizeOptions([{ name: 'a', label: 'A' }, 3]), [
    { value: 'a', label: 'A', hint: '' },
    { value: '3', label: '3', hint: '' },
  ]);
  assert.deepEqual(screen.normalizeOptions(null), []);
});

test('the phone button code becomes the phone_code answer of the primary action', () => {
  const doc = {
    step: 'second_factor',
    fields: [{ name: 'phone_code', type: 'phone', label: 'PH' }],
    actions: [{ name: 'continue', label: 'Go', primary: true }],
  };
  const event = { detail: { code: 'pc_123', errMsg: 'getPhoneNumber:ok' } };
  assert.deepEqual(phone.phoneSubmission(doc, event, {}), {
    step: 'second_factor', action: 'continue', answers: { phone_code: 'pc_123' },
  });
  assert.equal(phone.phoneSubmission(doc, { detail: { errMsg: 'getPhoneNumber:fail user deny' } }, {}), null);
  assert.deepEqual(phone.phoneCodeFromEvent({ detail: { errno: 1400001 } }), { denied: true, errMsg: '', errno: 1400001 });
  assert.equal(phone.phoneFieldName(doc), 'phone_code');
});

test('the offline message follows WeChat language tags', () => {
  assert.equal(messageKey('zh_CN'), 'zh_Hans');
  assert.equal(messageKey('zh'), 'zh_Hans');
  assert.equal(messageKey('zh_TW'), 'zh_Hant');
  assert.equal(messageKey('zh-HK'), 'zh_Hant');
  assert.equal(messageKey('AR'), 'ar');
  assert.equal(messageKey('ko_KR'), 'ko');
  assert.equal(messageKey('xx'), 'en');
  assert.equal(messageKey(''), 'en');
  assert.equal(offlineMessage('ja'), MESSAGES.ja);
  assert.equal(Object.keys(MESSAGES).length, 12);
});

test('WeChat language: getAppBaseInfo, else the old system info, else empty', () => {
  global.wx = { getAppBaseInfo: () => ({ language: 'ko' }), getSystemInfoSync: () => ({ language: 'en' }) };
  assert.equal(wechatLanguage(), 'ko');
  global.wx = { getSystemInfoSync: () => ({ language: 'zh_TW' }) };
  assert.equal(wechatLanguage(), 'zh_TW');
  global.wx = { getAppBaseInfo: () => { throw new Error('no'); }, getSystemInfoSync: () => ({}) };
  assert.equal(wechatLanguage(), '');
  delete global.wx;
  assert.equal(guessDirection('ar'), 'rtl');
  assert.equal(guessDirection('fa_IR'), 'rtl');
  assert.equal(guessDirection('en'), 'ltr');
});

test('subscribe answers keep only the asked templates and known answers', () => {
  const result = { errMsg: 'requestSubscribeMessage:ok', T1: 'accept', T2: 'reject', T3: 'weird', T9: 'accept' };
  assert.deepEqual(answersOf(['T1', 'T2', 'T3'], result), { T1: 'accept', T2: 'reject' });
});

test('guide pages: continue and back move between pages, done and the first back close', () => {
  const middle = { step: 'p2', guide: { previous_page: 'p1', next_page: 'p3' } };
  assert.deepEqual(screen.guideMove(middle, 'continue'), { page: 'p3' });
  assert.deepEqual(screen.guideMove(middle, 'back'), { page: 'p1' });
  const last = { step: 'p3', guide: { previous_page: 'p2', next_page: null } };
  assert.deepEqual(screen.guideMove(last, 'done'), { close: true });
  assert.deepEqual(screen.guideMove({ guide: { previous_page: null, next_page: 'p2' } }, 'back'), { close: true });
});
