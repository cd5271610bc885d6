// api.js and auth.js against a scripted HTTP server: the edge cases a healthy backend never shows.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const { installFakeWx } = require('./fake_wx');
const config = require('../lib/config');
const api = require('../lib/api');
const auth = require('../lib/auth');
const { MESSAGES } = require('../lib/offline');

/** A server answering by path from `routes` ({path: (req, body) => [status, body, type?]}). */
async function scriptedServer(routes) {
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const route = routes[req.url.split('?')[0]];
      const [status, body, type] = route ? route(req, text ? JSON.parse(text) : null) : [404, { error: { code: 'not_found', message: 'NF' } }];
      res.writeHead(status, { 'Content-Type': type || 'application/json' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${server.address().port}`;
  return { server, base, close: () => new Promise((resolve) => server.close(resolve)) };
}

function loginRoutes(counter) {
  return {
    '/_wechat/_control/login-code': () => [200, { code: `c${counter.codes++}` }],
    '/api/v1/auth/login': (req, body) => {
      counter.logins += 1;
      counter.languages.push(body.language);
      return [200, { token: `t${counter.logins}`, expires_in: 7200, locale: 'en', dir: 'ltr', user: {} }];
    },
  };
}

test('a proxy error page without an envelope is reported as offline, in the WeChat language', async () => {
  const counter = { codes: 0, logins: 0, languages: [] };
  const routes = Object.assign(loginRoutes(counter), {
    '/api/v1/me': () => [502, '<html>Bad Gateway</html>', 'text/html'],
  });
  const stub = await scriptedServer(routes);
  try {
    installFakeWx({ emulatorBase: `${stub.base}/_wechat/`, openid: 'oabcdef', language: 'fr' });
    config.configure({ baseUrl: stub.base });
    await assert.rejects(api.me(), (err) => {
      assert.equal(err.code, 'network.offline');
      assert.equal(err.offline, true);
      assert.equal(err.status, 502);
      assert.equal(err.message, MESSAGES.fr);
      return true;
    });
    assert.deepEqual(counter.languages, ['fr'], 'the login sent WeChat language');
  } finally {
    await stub.close();
  }
});

test('concurrent 401s share one re-login; a second 401 is surfaced, not retried forever', async () => {
  const counter = { codes: 0, logins: 0, languages: [] };
  let meCalls = 0;
  const routes = Object.assign(loginRoutes(counter), {
    // Only the newest token is accepted: the stored one is stale.
    '/api/v1/me': (req) => {
      meCalls += 1;
      return req.headers.authorization === `Bearer t${counter.logins}` && counter.logins >= 2
        ? [200, { ok: true }]
        : [401, { error: { code: 'auth.required', message: 'AR' } }];
    },
    '/api/v1/never': () => [401, { error: { code: 'auth.required', message: 'AR' } }],
  });
  const stub = await scriptedServer(routes);
  try {
    const fake = installFakeWx({ emulatorBase: `${stub.base}/_wechat/`, openid: 'oabcdef' });
    config.configure({ baseUrl: stub.base });
    await auth.login();
    assert.equal(counter.logins, 1);
    const results = await Promise.all([api.me(), api.me(), api.me()]);
    assert.deepEqual(results, [{ ok: true }, { ok: true }, { ok: true }]);
    assert.equal(counter.logins, 2, 'three 401s, one re-login');
    assert.equal(fake.logins, 2);
    assert.equal(meCalls, 6);

    // Refusals that arrive after another request already signed in again reuse its token.
    const stale = auth.currentSession().token;
    const fresh = await auth.login();
    assert.equal(await auth.renewToken(stale), fresh.token);
    assert.equal(counter.logins, 3);

    const before = counter.logins;
    await assert.rejects(api.call('GET', '/never'), { code: 'auth.required', message: 'AR', status: 401 });
    assert.equal(counter.logins, before + 1, 'exactly one re-login for a route that keeps refusing');
  } finally {
    await stub.close();
  }
});

test('a token past its expiry is renewed before use, not sent', async () => {
  const counter = { codes: 0, logins: 0, languages: [] };
  const seen = [];
  const routes = Object.assign(loginRoutes(counter), {
    '/api/v1/me': (req) => {
      seen.push(req.headers.authorization);
      return [200, {}];
    },
  });
  const stub = await scriptedServer(routes);
  try {
    installFakeWx({ emulatorBase: `${stub.base}/_wechat/`, openid: 'oabcdef' });
    config.configure({ baseUrl: stub.base });
    const session = await auth.login();
    wx.setStorageSync(auth.storageKey(), Object.assign({}, session, { expiresAt: Date.now() - 1, renewAt: Date.now() - 1 }));
    await api.me();
    assert.deepEqual(seen, ['Bearer t2']);
  } finally {
    await stub.close();
  }
});
