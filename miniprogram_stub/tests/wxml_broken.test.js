// The rendered tests fail on a broken mini program, each check proven on a deliberately broken copy
// of the stub: a WXML syntax error, a WXSS syntax error, an unknown component, a handler the
// component does not define, a wx:key that names no property of the items, a control without a name.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const wxml = require('./wxml');
const { installFakeWx } = require('./fake_wx');

/** A copy of the stub (without node_modules and tests) with `file` edited by `edit(text)`. */
function brokenCopy(file, edit) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ssc-stub-broken-'));
  fs.cpSync(wxml.STUB_ROOT, root, {
    recursive: true,
    filter: (source) => !/^(node_modules|tests)([\\/]|$)/.test(path.relative(wxml.STUB_ROOT, source)),
  });
  const target = path.join(root, file);
  const before = fs.readFileSync(target, 'utf8');
  const after = edit(before);
  assert.notEqual(after, before, `the edit changed ${file}`);
  fs.writeFileSync(target, after);
  test.after(() => fs.rmSync(root, { recursive: true, force: true }));
  return root;
}

// A device whose backend is down: the components fall back to the stub's built-in texts.
test.beforeEach(() => {
  installFakeWx({ emulatorBase: 'http://127.0.0.1:9/_wechat/', openid: 'obroken' });
  require('../lib/config').configure({ baseUrl: 'http://127.0.0.1:9', timeoutMs: 1000 });
});

test('the unbroken stub renders: the component used below is sound', async () => {
  const nav = await wxml.renderComponent('components/nav/nav', { current: 'card' });
  assert.equal(nav.findAll('.nav-item').length, 7, 'six destinations and the help desk');
});

test('a WXML syntax error fails the compile of the whole project', () => {
  const root = brokenCopy('components/screen/screen.wxml', (text) => text.replace('<view class="actions">', '<view class="actions"'));
  assert.throws(() => wxml.load('components/nav/nav', root), /screen\.wxml/);
});

test('a WXSS syntax error fails the load', () => {
  const root = brokenCopy('components/nav/nav.wxss', (text) => `${text}\n.nav-broken { color: #000;\n`);
  assert.throws(() => wxml.load('components/nav/nav', root), /Unclosed block|CssSyntaxError/);
});

test('an unknown component fails the render', async () => {
  const root = brokenCopy('components/nav/nav.wxml', (text) => text.replace('</view>\n', '</view>\n<ssc-no-such-component />\n'));
  await assert.rejects(wxml.renderComponent('components/nav/nav', { current: 'card' }, root),
    /ssc-no-such-component.*not a built-in or registered component/s);
});

test('a handler the component does not define fails the render', async () => {
  const root = brokenCopy('components/nav/nav.wxml', (text) => text.replace('bindtap="onTap"', 'bindtap="onNavigate"'));
  await assert.rejects(wxml.renderComponent('components/nav/nav', { current: 'card' }, root),
    /tap is bound to "onNavigate", which .* does not define/);
});

test('a page handler missing on the page fails the render too', async () => {
  // Offline, the page shows its error banner, whose tap retries.
  const root = brokenCopy('pages/verify/verify.wxml', (text) => text.replace('bindtap="onRetry"', 'bindtap="onTryAgain"'));
  await assert.rejects(wxml.openPage('pages/verify/verify', {}, root), /tap is bound to "onTryAgain"/);
});

test('wx:key="index" (a property the items do not have) fails the render', async () => {
  const root = brokenCopy('components/screen/screen.wxml', (text) => text.replace('wx:key="*this" class="body-text"', 'wx:key="index" class="body-text"'));
  const doc = { flow: 'guide-x', step: 'one', title: 'T', body: ['First paragraph', 'Second paragraph'], actions: [] };
  await assert.rejects(wxml.renderComponent('components/screen/screen', { doc }, root), /a wx:for item has no key/);
});

/** A screen with a text field, a date and a checkbox, and a summary row with a change link. */
const NAMED_DOC = {
  flow: 'verify', step: 'identifier', title: 'Your permit', body: [], actions: [{ name: 'continue', label: 'Continue', primary: true }],
  fields: [
    { name: 'number', type: 'text', label: 'Permit number', value: '' },
    { name: 'born', type: 'date', label: 'Date of birth', value: '' },
    { name: 'agree', type: 'checkbox', label: 'I agree', value: false },
  ],
  summary: [{ key: 'name', label: 'Name', value: 'KIM', change: 'name', change_label: 'Change' }],
};

test('every control of a screen has a name: the unbroken screen renders', async () => {
  const rendered = await wxml.renderComponent('components/screen/screen', { doc: NAMED_DOC });
  assert.ok(rendered.has('.text-input'));
  assert.ok(rendered.has('.date-picker'));
});

test('a text input without its aria-label fails the render', async () => {
  const root = brokenCopy('components/screen/screen.wxml', (text) => text.replace(
    'aria-label="{{field.label}}" bindinput="onInput"', 'bindinput="onInput"'));
  await assert.rejects(wxml.renderComponent('components/screen/screen', { doc: NAMED_DOC }, root),
    /interactive <input> has no name/);
});

test('a tappable view with neither text nor aria-label fails the render', async () => {
  const root = brokenCopy('components/screen/screen.wxml', (text) => text.replace(
    '<text wx:if="{{item.changeLabel}}">{{item.changeLabel}}</text>', '').replace(
    'aria-role="button" aria-label="{{item.changeLabel || changeIcon}}"', 'aria-role="button"').replace(
    'src="/assets/icons/pencil.svg" aria-label="{{changeIcon}}"', 'src="/assets/icons/pencil.svg" aria-hidden="true"').replace(
    '<image wx:else', '<image'));
  await assert.rejects(wxml.renderComponent('components/screen/screen', { doc: NAMED_DOC }, root),
    /interactive <view> has no name/);
});

test('a checkbox is named by the label around it, and fails without one', async () => {
  const root = brokenCopy('components/screen/screen.wxml', (text) => text.replace(
    '<view class="choice-text"><text>{{field.label}}</text></view>', ''));
  await assert.rejects(wxml.renderComponent('components/screen/screen', { doc: NAMED_DOC }, root),
    /interactive <checkbox> has no name/);
});
