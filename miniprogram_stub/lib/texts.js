/**
 * The texts the stub shows outside screen documents (`GET /api/v1/client-texts`): the privacy
 * pop-up, the new-version dialog and the names of its icons, in the user's language. Fetched
 * once per launch and kept in storage; until the first answer, or while the server cannot be
 * reached, the built-in copy of the server's texts (`fallback_texts.js`) in the user's language.
 */
'use strict';

const api = require('./api');
const auth = require('./auth');
const config = require('./config');
const FALLBACK = require('./fallback_texts');
const { wechatLanguage, localeOf } = require('./language');

let loaded = null;
let pending = null;

function storageKey() {
  return `${config.get().storagePrefix}clientTexts`;
}

/** The locale the user reads: the server's word after sign-in, else WeChat's language. */
function userLocale() {
  const session = auth.currentSession();
  return (session && session.locale) || localeOf(wechatLanguage());
}

/** A well-formed texts document, or null. */
function valid(doc) {
  return doc && typeof doc === 'object' && doc.privacy && doc.update && doc.nav && doc.icons ? doc : null;
}

function stored() {
  try {
    return valid(wx.getStorageSync(storageKey()));
  } catch (err) {
    return null;
  }
}

/** The built-in copy in `locale` (English when the stub has none for it, e.g. a pseudo-locale). */
function fallback(locale) {
  return FALLBACK[localeOf(locale)] || FALLBACK.en;
}

/** True when `doc` is in the language the user reads (before sign-in, any language will do). */
function inUserLocale(doc) {
  return Boolean(doc) && (!auth.currentSession() || doc.locale === userLocale());
}

/** The texts to show right now: the server's (this launch or a previous one) in the user's locale, else the built-in copy. */
function current() {
  if (inUserLocale(loaded)) {
    return loaded;
  }
  const kept = stored();
  return inUserLocale(kept) ? kept : fallback(userLocale());
}

/**
 * Ask the server once per launch, and again when the user's language changed; resolves the
 * texts (the built-in copy when the server cannot be reached).
 */
function load() {
  if (inUserLocale(loaded)) {
    return Promise.resolve(loaded);
  }
  if (!pending) {
    pending = api.clientTexts().then(
      (doc) => {
        pending = null;
        if (!valid(doc)) {
          return current();
        }
        loaded = doc;
        wx.setStorageSync(storageKey(), doc);
        return doc;
      },
      () => {
        pending = null;
        return current();
      }
    );
  }
  return pending;
}

/** Forget the texts (the user chose another language): the next `load` asks the server again. */
function forget() {
  loaded = null;
  pending = null;
  try {
    wx.removeStorageSync(storageKey());
  } catch (err) {
    // Nothing stored.
  }
}

module.exports = { current, load, forget, fallback };
