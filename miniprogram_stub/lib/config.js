/**
 * Where the backend is and the few settings the stub needs; nothing here is shown to users.
 *
 * The backend follows the version WeChat runs (`wx.getAccountInfoSync().miniProgram.envVersion`):
 * `develop` (DevTools and preview), `trial` (体验版) and `release` (正式版) each have their own
 * address in `backends`. Outside the developer tools WeChat requires an HTTPS domain listed in
 * the mini program's "request legal domains". A third-party platform build may override the
 * address with `baseUrl` in ext.json.
 */
'use strict';

/** WeChat's versions of a mini program (miniProgram.envVersion). */
const ENVIRONMENTS = ['develop', 'trial', 'release'];

const defaults = {
  // The backend root of each version, without a trailing slash; the API lives under /api/v1.
  // Fill `trial` and `release` before uploading: an empty address means "not configured" and
  // every request fails as unreachable (the user sees the offline message).
  backends: {
    develop: 'http://127.0.0.1:5000',
    trial: '',
    release: '',
  },
  // The version this copy runs as, chosen at launch by `useEnvironment`.
  env: 'develop',
  // The active backend root (the chosen version's, or ext.json's).
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
  // routes instead of wx.login and the phone button. Honoured in the `develop` version only.
  emulator: false,
  // With `emulator`: the phone number the emulator's phone button shares (a registry phone
  // from `flask seed-demo` to pass the second factor).
  emulatorPhone: '',
};

function copyDefaults() {
  return Object.assign({}, defaults, { backends: Object.assign({}, defaults.backends) });
}

const current = copyDefaults();

/** The active settings. */
function get() {
  return current;
}

/** Override settings (the app at launch, or a test); returns the active settings. */
function configure(overrides) {
  Object.assign(current, overrides || {});
  current.baseUrl = String(current.baseUrl || '').replace(/\/+$/, '');
  return current;
}

/** The version WeChat runs this copy as; `release` when the base library cannot say. */
function envVersion() {
  try {
    const info = wx.getAccountInfoSync();
    const env = info && info.miniProgram && info.miniProgram.envVersion;
    return ENVIRONMENTS.indexOf(env) >= 0 ? env : 'release';
  } catch (err) {
    return 'release';
  }
}

/** The platform this copy runs on: `devtools` in WeChat DevTools, else the phone's ('ios', 'android', …). */
function platform() {
  for (const read of [() => wx.getDeviceInfo().platform, () => wx.getSystemInfoSync().platform]) {
    try {
      const value = read();
      if (value) {
        return value;
      }
    } catch (err) {
      // an older base library: try the next way
    }
  }
  return 'devtools';
}

const LOOPBACK = /^https?:\/\/(127\.[0-9.]+|localhost|\[::1\])(:[0-9]+)?(\/|$)/;

/**
 * Point the stub at the backend of the version WeChat runs (at launch); returns the active settings.
 * A `develop` copy on a phone (a preview, or a build under review, which some report as `develop`)
 * cannot reach a loopback address: it then talks to the `trial` backend (else `release`) as that
 * version would, emulator off. A `develop` address on the network (a laptop's LAN address) is kept.
 */
function useEnvironment(env) {
  let chosen = ENVIRONMENTS.indexOf(env) >= 0 ? env : envVersion();
  if (chosen === 'develop' && platform() !== 'devtools' && LOOPBACK.test(current.backends.develop || '')) {
    chosen = current.backends.trial ? 'trial' : 'release';
  }
  return configure({ env: chosen, baseUrl: current.backends[chosen] || '' });
}

/** True when codes come from the backend's emulator: asked for, and only in the `develop` version. */
function usesEmulator() {
  return Boolean(current.emulator) && current.env === 'develop';
}

/** Back to the defaults (tests). */
function reset() {
  Object.keys(current).forEach((key) => delete current[key]);
  Object.assign(current, copyDefaults());
  return current;
}

module.exports = { get, configure, reset, defaults, envVersion, platform, useEnvironment, usesEmulator, ENVIRONMENTS };
