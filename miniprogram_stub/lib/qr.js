/**
 * The identity QR's refresh loop: fetch a payload now, then again every `seconds` (60 by
 * default, the payload's lifetime) while the page is shown. Timers are injectable for tests.
 */
'use strict';

/**
 * Start refreshing. `fetch` resolves a QR response; `onUpdate(body)` and `onError(err)` report.
 * Returns {stop(), refreshNow()}.
 */
function startQrRefresh({ fetch, onUpdate, onError, seconds, timers }) {
  const clock = timers || { setTimeout, clearTimeout };
  let timer = null;
  let stopped = false;
  // Each run has a number; only the newest may show its code and schedule the next one, so a tap
  // while a fetch is under way never leaves two loops (or an older code after a newer one).
  let latest = 0;

  function cancel() {
    if (timer !== null) {
      clock.clearTimeout(timer);
      timer = null;
    }
  }

  function schedule(delaySeconds) {
    cancel();
    if (!stopped) {
      timer = clock.setTimeout(run, Math.max(1, delaySeconds) * 1000);
    }
  }

  async function run() {
    timer = null;
    latest += 1;
    const mine = latest;
    try {
      const body = await fetch();
      if (stopped || mine !== latest) {
        return;
      }
      onUpdate(body);
      // Never show a code past its own expiry, even if the configured interval is longer.
      const lifetime = Number(body && body.expires_in) || seconds;
      schedule(Math.min(seconds, lifetime));
    } catch (err) {
      if (stopped || mine !== latest) {
        return;
      }
      onError(err);
      schedule(seconds);
    }
  }

  run();
  return {
    stop() {
      stopped = true;
      cancel();
    },
    refreshNow() {
      cancel();
      return stopped ? Promise.resolve() : run();
    },
  };
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard base64 of a string's UTF-8 bytes (no btoa in the mini-program runtime). */
function base64Utf8(text) {
  const bytes = [];
  const encoded = encodeURIComponent(text);
  for (let i = 0; i < encoded.length; i += 1) {
    if (encoded[i] === '%') {
      bytes.push(parseInt(encoded.substr(i + 1, 2), 16));
      i += 2;
    } else {
      bytes.push(encoded.charCodeAt(i));
    }
  }
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const [a, b, c] = [bytes[i], bytes[i + 1], bytes[i + 2]];
    const n = (a << 16) | ((b || 0) << 8) | (c || 0);
    out += BASE64[(n >> 18) & 63] + BASE64[(n >> 12) & 63]
      + (b === undefined ? '=' : BASE64[(n >> 6) & 63])
      + (c === undefined ? '=' : BASE64[n & 63]);
  }
  return out;
}

/**
 * The QR image as an <image> src. A URL-encoded SVG data URI is turned into base64, the form
 * the mini-program <image> reliably shows; anything else is passed through.
 */
function imageSrc(image) {
  const value = String(image || '');
  const match = /^data:image\/svg\+xml(;charset=[^,;]+)?,([\s\S]*)$/.exec(value);
  if (!match) {
    return value;
  }
  return `data:image/svg+xml;base64,${base64Utf8(decodeURIComponent(match[2]))}`;
}

module.exports = { startQrRefresh, imageSrc, base64Utf8 };
