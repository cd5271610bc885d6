/** One HTTP exchange through wx.request, as a promise; no retries and no sign-in here. */
'use strict';

const config = require('./config');
const { wechatLanguage } = require('./language');
const { offlineError } = require('./errors');

/** `?a=1&b=2` for the defined values of `query`, or ''. */
function queryString(query) {
  const parts = [];
  Object.keys(query || {}).forEach((key) => {
    const value = query[key];
    if (value !== undefined && value !== null && value !== '') {
      parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
    }
  });
  return parts.length ? `?${parts.join('&')}` : '';
}

/** The full URL of an API path such as `/api/v1/card`. */
function urlFor(path, query) {
  return config.get().baseUrl + path + queryString(query);
}

/** The only methods wx.request accepts; anything else fails on a real device. */
const WX_METHODS = ['OPTIONS', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'TRACE', 'CONNECT'];

/** A header value's lookup, case-insensitively (servers and wx differ in case). */
function headerValue(headers, name) {
  const wanted = name.toLowerCase();
  const key = Object.keys(headers || {}).find((item) => item.toLowerCase() === wanted);
  return key ? headers[key] : undefined;
}

/**
 * Send one request. Resolves {status, data, headers} for ANY HTTP status (wx.request calls
 * `success` for 4xx and 5xx too); rejects with an offline ApiError when nothing answered.
 */
function send({ method, path, query, data, token }) {
  const header = { 'Content-Type': 'application/json', 'X-Client-Language': wechatLanguage() };
  if (token) {
    header.Authorization = `Bearer ${token}`;
  }
  const upper = (method || 'GET').toUpperCase();
  if (WX_METHODS.indexOf(upper) < 0) {
    // A programming error, not a network one: real devices refuse the method outright.
    return Promise.reject(new Error(`wx.request cannot send ${upper}`));
  }
  return new Promise((resolve, reject) => {
    wx.request({
      url: urlFor(path, query),
      method: upper,
      data: upper === 'GET' ? undefined : data || {},
      header,
      dataType: 'json',
      timeout: config.get().timeoutMs,
      success(res) {
        resolve({ status: res.statusCode, data: res.data, headers: res.header || {} });
      },
      fail(err) {
        reject(offlineError((err && err.errMsg) || 'request:fail'));
      },
    });
  });
}

module.exports = { send, urlFor, queryString, headerValue };
