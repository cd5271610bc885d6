/**
 * A new version of the mini program: WeChat downloads it in the background at a cold start
 * (`wx.getUpdateManager`); once it is ready the user is asked, in their language, whether to
 * restart into it now. Declined, it applies at the next cold start by itself.
 */
'use strict';

const texts = require('./texts');

// wx.showModal shows no dialog at all when a button text is longer than this (WeChat's limit).
const MODAL_BUTTON_MAX = 4;

/** A button text WeChat will show, else undefined (WeChat's own default is used instead). */
function buttonText(text) {
  const value = String(text || '');
  return value && Array.from(value).length <= MODAL_BUTTON_MAX ? value : undefined;
}

/** The wx.showModal options for the new-version question, from the server's `update` texts. */
function modalOptions(update) {
  const options = { title: update.title || '', content: update.body || '', showCancel: true };
  const confirmText = buttonText(update.restart);
  const cancelText = buttonText(update.later);
  if (confirmText) {
    options.confirmText = confirmText;
  }
  if (cancelText) {
    options.cancelText = cancelText;
  }
  return options;
}

/** Ask whether to restart now; restart into the new version when the user says yes. */
function askToRestart(manager, update) {
  return new Promise((resolve) => {
    wx.showModal(Object.assign(modalOptions(update), {
      success(res) {
        if (res && res.confirm) {
          manager.applyUpdate();
        }
        resolve(Boolean(res && res.confirm));
      },
      fail() {
        resolve(false);
      },
    }));
  });
}

/**
 * Watch for a new version (at launch); resolves nothing. Returns the update manager, or null on
 * base libraries without one (before 1.9.90).
 */
function watchForUpdates() {
  if (typeof wx.getUpdateManager !== 'function') {
    return null;
  }
  const manager = wx.getUpdateManager();
  manager.onUpdateReady(() => {
    texts.load().then((doc) => askToRestart(manager, doc.update));
  });
  manager.onUpdateFailed(() => {
    // The download failed: WeChat tries again at the next cold start; nothing to ask the user.
    console.warn('update: the new version could not be downloaded');
  });
  return manager;
}

module.exports = { watchForUpdates, modalOptions, askToRestart, buttonText, MODAL_BUTTON_MAX };
