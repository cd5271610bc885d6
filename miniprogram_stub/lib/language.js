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

/** 'rtl' for right-to-left languages, else 'ltr'; used only before the server has answered. */
function guessDirection(tag) {
  const language = String(tag || '').toLowerCase().split(/[-_]/)[0];
  return RTL_LANGUAGES.indexOf(language) >= 0 ? 'rtl' : 'ltr';
}

module.exports = { wechatLanguage, guessDirection };
