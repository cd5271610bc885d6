/**
 * Development only: codes minted by the backend's built-in WeChat emulator (`/_wechat/`), so
 * WeChat DevTools can sign in and pass the phone check against a local backend. Used only when
 * `config.emulator` is on in the `develop` version (`config.usesEmulator()`); real WeChat never
 * sees these routes.
 */
'use strict';

const config = require('./config');
const { offlineError } = require('./errors');

function openidKey() {
  return `${config.get().storagePrefix}emulatorOpenid`;
}

/** This device's made-up WeChat user id, kept in storage so sign-ins find the same user. */
function deviceOpenid() {
  let openid = '';
  try {
    openid = wx.getStorageSync(openidKey());
  } catch (err) {
    openid = '';
  }
  if (!openid) {
    openid = `odev${Date.now().toString(16)}${Math.random().toString(16).slice(2, 12)}`;
    wx.setStorageSync(openidKey(), openid);
  }
  return openid;
}

/** POST to an emulator control route; resolves its `code`. */
function mint(route, body) {
  return new Promise((resolve, reject) => {
    wx.request({
      url: `${config.get().baseUrl}/_wechat/_control/${route}`,
      method: 'POST',
      data: body,
      header: { 'Content-Type': 'application/json' },
      success(res) {
        if (res.statusCode === 200 && res.data && res.data.code) {
          resolve(res.data.code);
        } else {
          reject(offlineError(`emulator ${route}: HTTP ${res.statusCode}`, res.statusCode));
        }
      },
      fail(err) {
        reject(offlineError((err && err.errMsg) || 'request:fail'));
      },
    });
  });
}

/** A login code for this device's user, as wx.login would give. */
function loginCode() {
  return mint('login-code', { openid: deviceOpenid() });
}

/** A phone-button code sharing `phone` for this device's user. */
function phoneCode(phone) {
  return mint('phone-code', { openid: deviceOpenid(), phone });
}

module.exports = { loginCode, phoneCode, deviceOpenid };
