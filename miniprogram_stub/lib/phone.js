/**
 * The second factor by phone: WeChat's getPhoneNumber button gives a one-time `code`
 * (e.detail.code), which is submitted as the `phone_code` answer; the server exchanges it.
 */
'use strict';

const screen = require('./screen');

/** {code} from a getphonenumber event, or {denied, errMsg, errno} when no code came. */
function phoneCodeFromEvent(event) {
  const detail = (event && event.detail) || {};
  if (typeof detail.code === 'string' && detail.code) {
    return { code: detail.code };
  }
  // The user declined, or the account is out of phone-number quota (errno 1400001).
  return { denied: true, errMsg: detail.errMsg || '', errno: detail.errno || 0 };
}

/** The name of a document's phone-button field (normally `phone_code`), or ''. */
function phoneFieldName(doc) {
  const field = ((doc && doc.fields) || []).find((item) => screen.fieldKind(item) === 'phone');
  return field ? field.name : '';
}

/**
 * The submission for a getphonenumber event on `doc`: the primary action with the code as
 * the phone field's answer; null when the event carries no code.
 */
function phoneSubmission(doc, event, values) {
  const result = phoneCodeFromEvent(event);
  const name = phoneFieldName(doc) || 'phone_code';
  if (!result.code) {
    return null;
  }
  const withCode = Object.assign({}, values || {}, { [name]: result.code });
  const payload = screen.submission(doc, null, withCode);
  // The button may sit on a screen whose document lists no phone field yet: send the code anyway.
  payload.answers[name] = result.code;
  return payload;
}

module.exports = { phoneCodeFromEvent, phoneFieldName, phoneSubmission };
