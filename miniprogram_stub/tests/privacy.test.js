// lib/privacy.js against WeChat's privacy gate as the fake base library plays it: the listener
// registered at launch, the pop-up of the page on screen, agree/disagree answered as WeChat
// requires, the clipboard waiting for agreement, and base libraries without the gate.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { installFakeWx } = require('./fake_wx');
const privacy = require('../lib/privacy');

/** A stand-in for the privacy pop-up component: records when WeChat's request opens it. */
function popup() {
  return { opened: [], open(referrer) { this.opened.push(referrer); } };
}

function device(options) {
  privacy.reset();
  return installFakeWx(Object.assign({ emulatorBase: 'http://127.0.0.1:9/_wechat/', openid: 'oprivacy', privacyAgreed: false }, options || {}));
}

test('the listener is registered once; the pop-up of the page on screen opens', async () => {
  const fake = device();
  assert.equal(privacy.install(), true);
  assert.equal(privacy.install(), false, 'once per launch');
  const background = popup();
  const onScreen = popup();
  privacy.register(background);
  privacy.register(onScreen);
  const copying = privacy.copyText('https://www.mohrss.gov.cn/');
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(onScreen.opened, ['requirePrivacyAuthorize']);
  assert.deepEqual(background.opened, []);
  assert.equal(privacy.waiting(), true);
  privacy.exposed();
  assert.equal(fake.privacy.exposures, 1, 'WeChat is told the pop-up showed');
  fake.tapAgreeButton('ssc-privacy-agree');
  privacy.agree('ssc-privacy-agree');
  assert.deepEqual(await copying, { copied: true });
  assert.equal(fake.clipboard, 'https://www.mohrss.gov.cn/');
  assert.equal(privacy.waiting(), false);
  // Agreed once: the next copy goes through without asking.
  assert.deepEqual(await privacy.copyText('x'), { copied: true });
  assert.equal(onScreen.opened.length, 1);
});

test('refused: the clipboard is not touched and the caller learns it was a refusal', async () => {
  const fake = device();
  privacy.install();
  const shown = popup();
  privacy.register(shown);
  const copying = privacy.copyText('https://www.mohrss.gov.cn/');
  await new Promise((resolve) => setImmediate(resolve));
  privacy.disagree();
  assert.deepEqual(await copying, { copied: false, refused: true });
  assert.equal(fake.clipboard, null);
});

test('WeChat checks the agree button was really tapped', async () => {
  const fake = device();
  privacy.install();
  privacy.register(popup());
  const held = fake.privacyGate('button.getPhoneNumber');
  privacy.agree('ssc-privacy-agree');
  await assert.rejects(held, /never tapped/);
});

test('a page without the pop-up: the interface is refused at once instead of hanging', async (t) => {
  device();
  privacy.install();
  const errors = t.mock.method(console, 'error', () => {});
  assert.deepEqual(await privacy.copyText('x'), { copied: false, refused: true });
  assert.equal(errors.mock.callCount(), 1);
});

test('a pop-up gone with its page no longer opens; the page shown again owns it', async () => {
  device();
  privacy.install();
  const first = popup();
  const second = popup();
  privacy.register(first);
  privacy.register(second);
  privacy.unregister(second);
  const copying = privacy.copyText('x');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(first.opened.length, 1);
  privacy.disagree();
  await copying;
  privacy.register(second);
  privacy.register(first);
  const again = privacy.copyText('x');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(first.opened.length, 2, 'registering again brings it to the front');
  privacy.disagree();
  await again;
});

test('WeChat\'s refusals are recognised, other failures are not', () => {
  assert.equal(privacy.isRefusal({ errMsg: 'getPhoneNumber:fail privacy permission is not authorized', errno: 104 }), true);
  assert.equal(privacy.isRefusal({ errMsg: 'setClipboardData:fail privacy permission is not authorized' }), true);
  assert.equal(privacy.isRefusal({ errno: 104 }), true);
  assert.equal(privacy.isRefusal({ errMsg: 'getPhoneNumber:fail user deny' }), false);
  assert.equal(privacy.isRefusal({ errMsg: 'getPhoneNumber:fail', errno: 1400001 }), false, 'out of quota is not a refusal');
  assert.equal(privacy.isRefusal(null), false);
});

test('the guide opens; the setting says whether agreement is needed and the guide\'s name', async () => {
  const fake = device();
  privacy.openContract();
  assert.equal(fake.privacy.contractOpened, 1);
  assert.deepEqual(await privacy.setting(), { needed: true, contractName: '《SSC Bridge小程序隐私保护指引》' });
});

test('base libraries before 2.32.3 have no gate: nothing is registered and the interfaces run', async () => {
  const fake = device({ privacyAgreed: true });
  delete fake.onNeedPrivacyAuthorization;
  delete fake.requirePrivacyAuthorize;
  delete fake.getPrivacySetting;
  delete fake.openPrivacyContract;
  assert.equal(privacy.supported(), false);
  assert.equal(privacy.install(), false);
  assert.equal(await privacy.requireAgreement(), true);
  assert.deepEqual(await privacy.setting(), { needed: false, contractName: '' });
  privacy.openContract();
  assert.deepEqual(await privacy.copyText('x'), { copied: true });
});
