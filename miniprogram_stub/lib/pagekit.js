/** Small helpers every page uses: direction, the error banner, the title from the server. */
'use strict';

const auth = require('./auth');
const texts = require('./texts');
const { wechatLanguage, guessDirection } = require('./language');

/** The direction of the user's language: the server's word after sign-in, else a guess. */
function currentDirection() {
  const session = auth.currentSession();
  return session && session.dir ? session.dir : guessDirection(wechatLanguage());
}

/** The {code, message} a page shows for a failure (never a stack trace). */
function errorView(err) {
  return { code: (err && err.code) || 'error', message: (err && err.message) || '', offline: Boolean(err && err.offline) };
}

/** Show the server's title in the navigation bar; without one, the page's name (`nav` texts). */
function useTitle(title, navKey) {
  const shown = title || (navKey ? texts.current().nav[navKey] : '');
  if (shown && typeof wx.setNavigationBarTitle === 'function') {
    wx.setNavigationBarTitle({ title: String(shown) });
  }
}

/**
 * Run `load` for a page: sets {loading, error, dir} around it and stops the pull-down spinner.
 * Resolves what `load` resolved, or null after showing the error.
 */
async function loadInto(page, load) {
  page.setData({ loading: true, error: null, dir: currentDirection() });
  try {
    const result = await load();
    page.setData({ loading: false, dir: currentDirection() });
    return result;
  } catch (err) {
    page.setData({ loading: false, error: errorView(err), dir: currentDirection() });
    return null;
  } finally {
    if (typeof wx.stopPullDownRefresh === 'function') {
      wx.stopPullDownRefresh();
    }
  }
}

module.exports = { currentDirection, errorView, useTitle, loadInto };
