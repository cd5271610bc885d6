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

  function schedule(delaySeconds) {
    if (!stopped) {
      timer = clock.setTimeout(run, Math.max(1, delaySeconds) * 1000);
    }
  }

  async function run() {
    timer = null;
    try {
      const body = await fetch();
      if (stopped) {
        return;
      }
      onUpdate(body);
      // Never show a code past its own expiry, even if the configured interval is longer.
      const lifetime = Number(body && body.expires_in) || seconds;
      schedule(Math.min(seconds, lifetime));
    } catch (err) {
      if (stopped) {
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
      if (timer !== null) {
        clock.clearTimeout(timer);
        timer = null;
      }
    },
    refreshNow() {
      if (timer !== null) {
        clock.clearTimeout(timer);
        timer = null;
      }
      return run();
    },
  };
}

module.exports = { startQrRefresh };
