/** WeChat's language tag, read the way the base library allows, and a text direction guess. */
'use strict';

/** The language set in WeChat (`zh_CN`, `en`, `ar`…), or '' when the client does not say. */
function wechatLanguage() {
  const sources = [
    () => wx.getAppBaseInfo && wx.getAppBaseInfo().language,
    // Older base libraries (before 2.20.1) only have the deprecated system-info call.
    () => wx.getSystemInfoSync && wx.getSystemInfoSync().language,
  ];
  for (const source of sources) {
    try {
      const value = source();
      if (typeof value === 'string' && value.trim()) {
        return value.trim();
      }
    } catch (err) {
      // A missing or failing API is normal on some base libraries; try the next one.
    }
  }
  return '';
}

const RTL_LANGUAGES = ['ar', 'he', 'fa', 'ur', 'ug'];

/** The backend's locales, the languages the stub's built-in texts come in. */
const LOCALES = ['en', 'zh_Hans', 'zh_Hant', 'ko', 'ja', 'ru', 'fr', 'de', 'es', 'pt', 'vi', 'ar'];

const TRADITIONAL = ['tw', 'hk', 'mo', 'hant'];

/** The backend locale for a WeChat language tag (any case, `_` or `-`); English when unknown. */
function localeOf(tag) {
  const parts = String(tag || '').toLowerCase().split(/[-_]/).filter(Boolean);
  const language = parts[0] || '';
  if (language === 'zh') {
    return parts.slice(1).some((part) => TRADITIONAL.indexOf(part) >= 0) ? 'zh_Hant' : 'zh_Hans';
  }
  return LOCALES.indexOf(language) >= 0 ? language : 'en';
}

/** 'rtl' for right-to-left languages, else 'ltr'; used only before the server has answered. */
function guessDirection(tag) {
  const language = String(tag || '').toLowerCase().split(/[-_]/)[0];
  return RTL_LANGUAGES.indexOf(language) >= 0 ? 'rtl' : 'ltr';
}

module.exports = { wechatLanguage, guessDirection, localeOf, LOCALES };
