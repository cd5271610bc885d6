/**
 * A fake `wx` global for node: wx.request goes over real HTTP (node's http), storage lives in
 * memory, wx.login returns codes minted by the WeChat emulator, and the language is settable.
 * WeChat's privacy gate is played as the base library plays it: a privacy interface (the phone
 * button, the clipboard) is held while the listener given to wx.onNeedPrivacyAuthorization asks
 * the user, goes on after resolve({event: 'agree', buttonId}) for a button the user really
 * tapped, and fails with errno 104 after resolve({event: 'disagree'}).
 */
'use strict';

const http = require('node:http');
const { URL } = require('node:url');

const WX_METHODS = ['OPTIONS', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'TRACE', 'CONNECT'];
// wx.showModal shows nothing and fails when a button text is longer than this.
const MODAL_BUTTON_MAX = 4;
const PRIVACY_REFUSED = 'privacy permission is not authorized';

/** POST JSON to a URL with node's http; resolves {status, body}. */
function postJson(url, payload) {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const data = Buffer.from(JSON.stringify(payload || {}));
    const req = http.request(
      {
        hostname: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Content-Length': data.length },
      },
      (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body = text;
          try {
            body = JSON.parse(text);
          } catch (err) {
            // Not JSON: keep the text.
          }
          resolve({ status: res.statusCode, body });
        });
      }
    );
    req.on('error', reject);
    req.end(data);
  });
}

/**
 * Build the fake. Options: emulatorBase (`http://host:port/_wechat/`), language, openid,
 * phone, subscribeResult (what wx.requestSubscribeMessage answers), appBaseInfo (false to
 * simulate a base library without wx.getAppBaseInfo), loginFails, fixedCode (a login code to
 * hand out instead of a minted one), envVersion (what wx.getAccountInfoSync says), privacyAgreed
 * (false: the user has not agreed to the privacy guide yet), modalAnswer ('confirm' or 'cancel').
 */
function createFakeWx(options) {
  const opts = Object.assign({ language: 'en', appBaseInfo: true, envVersion: 'develop', privacyAgreed: true, modalAnswer: 'confirm' }, options || {});
  const storage = new Map();
  const fake = {
    options: opts,
    requests: [],
    // Requests (and logins) sent and not answered yet: tests wait for none before looking at a page.
    inflight: 0,
    logins: 0,
    subscribeCalls: [],
    // WeChat's side of the privacy gate.
    privacy: {
      agreed: Boolean(opts.privacyAgreed),
      listener: null,
      asked: [],
      exposures: 0,
      tapped: new Set(),
      contractOpened: 0,
    },
    clipboard: null,
    modals: [],
    updates: { ready: null, failed: null, applied: 0 },

    request(params) {
      const target = new URL(params.url);
      const method = params.method || 'GET';
      // Like wx.request: only these methods (upper case) exist; PATCH fails on every device.
      if (WX_METHODS.indexOf(method) < 0) {
        fake.requests.push({ method, url: params.url, header: params.header || {}, status: null });
        setImmediate(() => {
          if (params.fail) {
            params.fail({ errMsg: `request:fail parameter error: method ${method} is invalid` });
          }
        });
        return { abort() {} };
      }
      const headers = Object.assign({}, params.header || {});
      let data = null;
      if (method !== 'GET' && params.data !== undefined) {
        data = Buffer.from(typeof params.data === 'string' ? params.data : JSON.stringify(params.data));
        headers['Content-Length'] = data.length;
      }
      const record = { method, url: params.url, header: headers, status: null };
      fake.requests.push(record);
      fake.inflight += 1;
      let finished = false;
      const done = (callback, value) => {
        if (finished) {
          return;
        }
        finished = true;
        fake.inflight -= 1;
        if (callback) {
          callback(value);
        }
        if (params.complete) {
          params.complete(value);
        }
      };
      const req = http.request(
        { hostname: target.hostname, port: target.port, path: target.pathname + target.search, method, headers },
        (res) => {
          const chunks = [];
          res.on('data', (chunk) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let body = text;
            if (params.dataType !== 'text') {
              try {
                body = JSON.parse(text);
              } catch (err) {
                // Like wx.request: a body that is not JSON arrives as a string.
              }
            }
            record.status = res.statusCode;
            // Like wx.request: success for every HTTP status, 4xx and 5xx included.
            done(params.success, { statusCode: res.statusCode, data: body, header: res.headers, errMsg: 'request:ok' });
          });
        }
      );
      if (params.timeout) {
        req.setTimeout(params.timeout, () => req.destroy(new Error('timeout')));
      }
      req.on('error', (err) => {
        done(params.fail, { errMsg: `request:fail ${err.code || err.message}`, errno: 600001 });
      });
      if (data) {
        req.write(data);
      }
      req.end();
      return { abort: () => req.destroy(new Error('abort')) };
    },

    login(params) {
      fake.logins += 1;
      if (opts.loginFails) {
        setImmediate(() => params.fail && params.fail({ errMsg: 'login:fail network error' }));
        return;
      }
      if (opts.fixedCode) {
        // A code WeChat never issued (or one already used): the backend must refuse it.
        setImmediate(() => params.success({ code: opts.fixedCode, errMsg: 'login:ok' }));
        return;
      }
      fake.inflight += 1;
      postJson(`${opts.emulatorBase}_control/login-code`, { openid: opts.openid, phone: opts.phone })
        .then((res) => {
          if (res.status !== 200 || !res.body.code) {
            throw new Error(`emulator would not mint a login code: ${res.status}`);
          }
          fake.inflight -= 1;
          params.success({ code: res.body.code, errMsg: 'login:ok' });
        })
        .catch((err) => {
          fake.inflight -= 1;
          if (params.fail) {
            params.fail({ errMsg: `login:fail ${err.message}` });
          }
        });
    },

    getAppBaseInfo() {
      if (!opts.appBaseInfo) {
        throw new Error('getAppBaseInfo is not a function');
      }
      return { language: opts.language, SDKVersion: '3.3.4', theme: 'light' };
    },

    getSystemInfoSync() {
      return { language: opts.language, SDKVersion: '3.3.4', platform: opts.platform || 'devtools' };
    },

    getDeviceInfo() {
      return { platform: opts.platform || 'devtools' };
    },

    getAccountInfoSync() {
      return { miniProgram: { appId: 'wx0000000000000000', envVersion: opts.envVersion, version: '' } };
    },

    // --- the privacy gate ---------------------------------------------------------------------
    onNeedPrivacyAuthorization(listener) {
      fake.privacy.listener = listener;
    },

    /**
     * Hold a privacy interface until the user answered: resolves true when it may go on. With no
     * listener registered WeChat would show its own pop-up; here that counts as a refusal, so a
     * mini program that forgets to register is caught.
     */
    privacyGate(referrer) {
      const gate = fake.privacy;
      if (gate.agreed) {
        return Promise.resolve(true);
      }
      gate.asked.push(referrer);
      if (!gate.listener) {
        return Promise.resolve(false);
      }
      return new Promise((resolveGate, rejectGate) => {
        gate.listener((answer) => {
          const event = answer && answer.event;
          if (event === 'exposureAuthorization') {
            gate.exposures += 1;
          } else if (event === 'agree') {
            // The base library checks that the agree button named was really tapped.
            if (!gate.tapped.has(answer.buttonId)) {
              rejectGate(new Error(`resolve({event: 'agree'}) for a button never tapped: ${answer.buttonId}`));
              return;
            }
            gate.agreed = true;
            resolveGate(true);
          } else if (event === 'disagree') {
            resolveGate(false);
          } else {
            rejectGate(new Error(`resolve with an unknown event: ${JSON.stringify(answer)}`));
          }
        }, { referrer });
      });
    },

    /** The user tapped a <button open-type="agreePrivacyAuthorization"> whose id is `buttonId`. */
    tapAgreeButton(buttonId) {
      fake.privacy.tapped.add(buttonId);
    },

    getPrivacySetting(params) {
      setImmediate(() => params.success({
        needAuthorization: !fake.privacy.agreed,
        privacyContractName: '《SSC Bridge小程序隐私保护指引》',
        errMsg: 'getPrivacySetting:ok',
      }));
    },

    requirePrivacyAuthorize(params) {
      fake.privacyGate('requirePrivacyAuthorize').then((ok) => {
        if (ok) {
          params.success({ errMsg: 'requirePrivacyAuthorize:ok' });
        } else {
          params.fail({ errMsg: `requirePrivacyAuthorize:fail ${PRIVACY_REFUSED}`, errno: 104 });
        }
      });
    },

    openPrivacyContract(params) {
      fake.privacy.contractOpened += 1;
      setImmediate(() => params && params.success && params.success({ errMsg: 'openPrivacyContract:ok' }));
    },

    setClipboardData(params) {
      fake.privacyGate('setClipboardData').then((ok) => {
        if (ok) {
          fake.clipboard = params.data;
          if (params.success) {
            params.success({ errMsg: 'setClipboardData:ok' });
          }
        } else if (params.fail) {
          params.fail({ errMsg: `setClipboardData:fail ${PRIVACY_REFUSED}`, errno: 104 });
        }
      });
    },

    /**
     * A tap on the getPhoneNumber button: held by the privacy gate, then WeChat's answer as the
     * button's event detail (a code the emulator minted for `phone`, or the refusal).
     */
    async phoneButtonDetail(phone) {
      if (!(await fake.privacyGate('button.getPhoneNumber'))) {
        return { errMsg: `getPhoneNumber:fail ${PRIVACY_REFUSED}`, errno: 104 };
      }
      return (await fake.phoneNumberEvent(phone)).detail;
    },

    // --- dialogs and updates ------------------------------------------------------------------
    showModal(params) {
      fake.modals.push(params);
      setImmediate(() => {
        const tooLong = [params.confirmText, params.cancelText].some((text) => text && Array.from(text).length > MODAL_BUTTON_MAX);
        if (tooLong) {
          if (params.fail) {
            params.fail({ errMsg: 'showModal:fail confirmText length should not larger than 4 Chinese characters' });
          }
          return;
        }
        const confirm = opts.modalAnswer === 'confirm';
        if (params.success) {
          params.success({ confirm, cancel: !confirm, errMsg: 'showModal:ok' });
        }
      });
    },

    getUpdateManager() {
      return {
        onCheckForUpdate() {},
        onUpdateReady(callback) {
          fake.updates.ready = callback;
        },
        onUpdateFailed(callback) {
          fake.updates.failed = callback;
        },
        applyUpdate() {
          fake.updates.applied += 1;
        },
      };
    },

    requestSubscribeMessage(params) {
      fake.subscribeCalls.push(params.tmplIds);
      const result = opts.subscribeResult || {};
      setImmediate(() => {
        if (result.errCode) {
          params.fail({ errCode: result.errCode, errMsg: 'requestSubscribeMessage:fail' });
        } else {
          params.success(Object.assign({ errMsg: 'requestSubscribeMessage:ok' }, result));
        }
      });
    },

    getStorageSync(key) {
      // WeChat answers '' for a key never set.
      return storage.has(key) ? JSON.parse(storage.get(key)) : '';
    },
    setStorageSync(key, value) {
      storage.set(key, JSON.stringify(value));
    },
    removeStorageSync(key) {
      storage.delete(key);
    },
    clearStorageSync() {
      storage.clear();
    },

    /** A getphonenumber button event carrying a code the emulator minted for this phone. */
    async phoneNumberEvent(phone) {
      const res = await postJson(`${opts.emulatorBase}_control/phone-code`, { openid: opts.openid, phone });
      if (res.status !== 200 || !res.body.code) {
        throw new Error(`emulator would not mint a phone code: ${res.status} ${JSON.stringify(res.body)}`);
      }
      return { type: 'getphonenumber', detail: { code: res.body.code, errMsg: 'getPhoneNumber:ok' } };
    },

    // Page plumbing the pages call; navigation is recorded for the page-level tests.
    navigations: [],
    titles: [],
    navigateTo(params) {
      fake.navigations.push({ kind: 'navigateTo', url: params.url });
    },
    redirectTo(params) {
      fake.navigations.push({ kind: 'redirectTo', url: params.url });
    },
    reLaunch(params) {
      fake.navigations.push({ kind: 'reLaunch', url: params.url });
    },
    navigateBack() {
      fake.navigations.push({ kind: 'navigateBack' });
    },
    setNavigationBarTitle(params) {
      fake.titles.push(params.title);
    },
    pageScrollTo() {},
    stopPullDownRefresh() {},
    setKeepScreenOn() {},

    /** The requests sent to a path (substring match). */
    requestsTo(fragment) {
      return fake.requests.filter((item) => item.url.indexOf(fragment) >= 0);
    },
  };
  return fake;
}

/** Make a fresh fake the global `wx` and return it. */
function installFakeWx(options) {
  const fake = createFakeWx(options);
  global.wx = fake;
  return fake;
}

module.exports = { createFakeWx, installFakeWx, postJson };
