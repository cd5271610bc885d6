/**
 * WeChat's privacy gate (用户隐私保护指引). Since 17 October 2023 a privacy interface (the phone
 * button, the clipboard) waits until the user agrees to the mini program's privacy guide: WeChat
 * calls the listener registered with `wx.onNeedPrivacyAuthorization`, the interface stays pending,
 * and it goes on after `resolve({event: 'agree', buttonId})` (the id of the
 * `<button open-type="agreePrivacyAuthorization">` the user tapped) or fails with "privacy
 * permission is not authorized" (errno 104) after `resolve({event: 'disagree'})`.
 *
 * The app registers the listener once at launch (`install`); the privacy pop-up of the page on
 * screen (components/privacy) registers itself here and opens when WeChat asks. Base libraries
 * before 2.32.3 have no gate: everything here then lets the interfaces run as before.
 */
'use strict';

/** What WeChat answers a privacy interface the user did not agree to. */
const REFUSED_ERRNO = 104;
const REFUSED_MESSAGE = 'privacy permission is not authorized';

const popups = [];
let pending = [];
let installed = false;

/** True on base libraries with the privacy gate (2.32.3 and later). */
function supported() {
  return typeof wx !== 'undefined' && typeof wx.onNeedPrivacyAuthorization === 'function';
}

/** The pop-up of the page on screen: the last one registered. */
function activePopup() {
  return popups.length ? popups[popups.length - 1] : null;
}

/** Answer every interface WeChat is holding, then forget them. */
function settle(answer) {
  const waiting = pending;
  pending = [];
  waiting.forEach((resolve) => resolve(answer));
}

/** WeChat asks for agreement: hold its resolve and open the pop-up of the page on screen. */
function onNeed(resolve, eventInfo) {
  pending.push(resolve);
  const popup = activePopup();
  if (popup) {
    popup.open((eventInfo && eventInfo.referrer) || '');
  } else {
    // A page without the pop-up asked: the interface fails as refused instead of hanging.
    console.error('privacy: no privacy pop-up on this page; the interface is refused');
    settle({ event: 'disagree' });
  }
}

/** Register the listener with WeChat (once, at launch); false on base libraries without the gate. */
function install() {
  if (installed || !supported()) {
    return false;
  }
  wx.onNeedPrivacyAuthorization(onNeed);
  installed = true;
  return true;
}

/** A pop-up ready to open (attached, or its page shown again): it becomes the active one. */
function register(popup) {
  unregister(popup);
  popups.push(popup);
}

/** A pop-up gone with its page. */
function unregister(popup) {
  const index = popups.indexOf(popup);
  if (index >= 0) {
    popups.splice(index, 1);
  }
}

/** True while WeChat holds an interface waiting for the user's answer. */
function waiting() {
  return pending.length > 0;
}

/** The pop-up is on screen: tell WeChat it was shown (before agree or disagree). */
function exposed() {
  pending.forEach((resolve) => resolve({ event: 'exposureAuthorization' }));
}

/** The user tapped the agree button `buttonId`: every held interface goes on. */
function agree(buttonId) {
  settle({ buttonId, event: 'agree' });
}

/** The user refused: every held interface fails as not authorized. */
function disagree() {
  settle({ event: 'disagree' });
}

/** True for WeChat's answer to an interface the user did not agree to (an event detail or a fail result). */
function isRefusal(result) {
  if (!result) {
    return false;
  }
  return Number(result.errno) === REFUSED_ERRNO || String(result.errMsg || '').indexOf(REFUSED_MESSAGE) >= 0;
}

/**
 * Ask for agreement before a privacy interface (`wx.requirePrivacyAuthorize`): resolves true once
 * the user agreed (at once when they already had, or when the base library has no gate), false
 * when they refused.
 */
function requireAgreement() {
  if (typeof wx.requirePrivacyAuthorize !== 'function') {
    return Promise.resolve(true);
  }
  return new Promise((resolve) => {
    wx.requirePrivacyAuthorize({ success: () => resolve(true), fail: () => resolve(false) });
  });
}

/** WeChat's record for this user: {needed, contractName} (nothing needed without the gate). */
function setting() {
  if (typeof wx.getPrivacySetting !== 'function') {
    return Promise.resolve({ needed: false, contractName: '' });
  }
  return new Promise((resolve) => {
    wx.getPrivacySetting({
      success: (res) => resolve({ needed: Boolean(res && res.needAuthorization), contractName: (res && res.privacyContractName) || '' }),
      fail: () => resolve({ needed: false, contractName: '' }),
    });
  });
}

/** Open the privacy guide the operator filled in on the mini program's settings page. */
function openContract() {
  if (typeof wx.openPrivacyContract === 'function') {
    wx.openPrivacyContract({});
  }
}

/**
 * Copy `text` to the clipboard once the user agreed: resolves {copied: true}, or
 * {copied: false, refused: true} when they did not (nothing was copied).
 */
async function copyText(text) {
  if (!(await requireAgreement())) {
    return { copied: false, refused: true };
  }
  return new Promise((resolve) => {
    wx.setClipboardData({
      data: String(text),
      success: () => resolve({ copied: true }),
      fail: (err) => resolve({ copied: false, refused: isRefusal(err) }),
    });
  });
}

/** Forget the pop-ups, held interfaces and registration (a new launch, in tests). */
function reset() {
  popups.length = 0;
  pending = [];
  installed = false;
}

module.exports = {
  install,
  supported,
  register,
  unregister,
  waiting,
  exposed,
  agree,
  disagree,
  isRefusal,
  requireAgreement,
  setting,
  openContract,
  copyText,
  reset,
  REFUSED_ERRNO,
};
