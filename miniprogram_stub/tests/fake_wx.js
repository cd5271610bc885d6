/**
 * A fake `wx` global for node: wx.request goes over real HTTP (node's http), storage lives in
 * memory, wx.login returns codes minted by the WeChat emulator, and the language is settable.
 */
'use strict';

const http = require('node:http');
const { URL } = require('node:url');

const WX_METHODS = ['OPTIONS', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'TRACE', 'CONNECT'];

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
 * hand out instead of a minted one).
 */
function createFakeWx(options) {
  const opts = Object.assign({ language: 'en', appBaseInfo: true }, options || {});
  const storage = new Map();
  const fake = {
    options: opts,
    requests: [],
    logins: 0,
    subscribeCalls: [],

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
      let finished = false;
      const done = (callback, value) => {
        if (finished) {
          return;
        }
        finished = true;
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
      postJson(`${opts.emulatorBase}_control/login-code`, { openid: opts.openid, phone: opts.phone })
        .then((res) => {
          if (res.status !== 200 || !res.body.code) {
            throw new Error(`emulator would not mint a login code: ${res.status}`);
          }
          params.success({ code: res.body.code, errMsg: 'login:ok' });
        })
        .catch((err) => params.fail && params.fail({ errMsg: `login:fail ${err.message}` }));
    },

    getAppBaseInfo() {
      if (!opts.appBaseInfo) {
        throw new Error('getAppBaseInfo is not a function');
      }
      return { language: opts.language, SDKVersion: '3.3.4', theme: 'light' };
    },

    getSystemInfoSync() {
      return { language: opts.language, SDKVersion: '3.3.4', platform: 'devtools' };
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
    setClipboardData() {},

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
