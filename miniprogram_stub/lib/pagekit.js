/** Small helpers every page uses: direction, the error banner, titles from the server. */
'use strict';

const config = require('./config');
const auth = require('./auth');
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

function titlesKey() {
  return `${config.get().storagePrefix}titles`;
}

/** Titles the server gave each page, kept so the navigation can label its links. */
function rememberedTitles() {
  try {
    const value = wx.getStorageSync(titlesKey());
    return value && typeof value === 'object' ? value : {};
  } catch (err) {
    return {};
  }
}

/** Show the server's title in the navigation bar and remember it for the navigation links. */
function useTitle(key, title) {
  if (!title) {
    return;
  }
  if (typeof wx.setNavigationBarTitle === 'function') {
    wx.setNavigationBarTitle({ title: String(title) });
  }
  const titles = rememberedTitles();
  if (titles[key] !== title) {
    titles[key] = String(title);
    wx.setStorageSync(titlesKey(), titles);
  }
}

/** Forget remembered titles (after a language change they are in the old language). */
function forgetTitles() {
  wx.removeStorageSync(titlesKey());
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

module.exports = { currentDirection, errorView, useTitle, rememberedTitles, forgetTitles, loadInto };
