/**
 * Where the backend is and the few settings the stub needs; nothing here is shown to users.
 *
 * Change `baseUrl` to point the mini program at a backend (WeChat requires an HTTPS domain
 * listed in the mini program's "request legal domains" outside the developer tools).
 */
'use strict';

const defaults = {
  // The backend root, without a trailing slash; the API lives under /api/v1.
  baseUrl: 'http://127.0.0.1:5000',
  // wx.request timeout, in milliseconds.
  timeoutMs: 15000,
  // How often the identity QR is fetched again (the server's payload is valid 60 seconds).
  qrRefreshSeconds: 60,
  // Subscribe-message template ids (at most 3 per request); these are the emulator's demo
  // templates: replace them with the ids of your mini program's console (订阅消息).
  subscribeTemplateIds: ['tmpl_notice_update', 'tmpl_deadline_reminder', 'tmpl_card_status'],
  // `session-from` of the help-desk contact button: tells the backend where the chat began.
  helpDeskSessionFrom: 'ssc-bridge-miniprogram',
  // Prefix of every key kept with wx.setStorageSync.
  storagePrefix: 'ssc.',
  // Development against the backend's built-in WeChat emulator (its embedded defaults): the
  // emulator only accepts codes it minted, so login and phone codes come from its control
  // routes instead of wx.login and the phone button. Never on against real WeChat.
  emulator: false,
  // With `emulator`: the phone number the emulator's phone button shares (a registry phone
  // from `flask seed-demo` to pass the second factor).
  emulatorPhone: '',
};

const current = Object.assign({}, defaults);

/** The active settings. */
function get() {
  return current;
}

/** Override settings (the app at launch, or a test); returns the active settings. */
function configure(overrides) {
  Object.assign(current, overrides || {});
  current.baseUrl = String(current.baseUrl).replace(/\/+$/, '');
  return current;
}

/** Back to the defaults (tests). */
function reset() {
  Object.keys(current).forEach((key) => delete current[key]);
  Object.assign(current, defaults);
  return current;
}

module.exports = { get, configure, reset, defaults };
