/**
 * Subscribe messages: ask WeChat (must follow a user's tap), then report every template's
 * answer to the backend, which keeps the send quota.
 */
'use strict';

const config = require('./config');
const api = require('./api');

// WeChat shows at most three templates in one request on most clients.
const MAX_TEMPLATES = 3;
const ANSWERS = ['accept', 'reject', 'ban', 'filter', 'acceptWithAudio'];

/** wx.requestSubscribeMessage as a promise: resolves WeChat's result object, or {errCode, errMsg}. */
function requestSubscribeMessage(tmplIds) {
  return new Promise((resolve) => {
    wx.requestSubscribeMessage({
      tmplIds,
      success: (res) => resolve(res || {}),
      // 20004: the user turned subscriptions off; 10005: the app went to the background…
      fail: (err) => resolve({ errCode: (err && err.errCode) || -1, errMsg: (err && err.errMsg) || 'fail' }),
    });
  });
}

/** {templateId: answer} for the asked templates, from WeChat's result object. */
function answersOf(tmplIds, result) {
  const answers = {};
  tmplIds.forEach((id) => {
    if (ANSWERS.indexOf(result[id]) >= 0) {
      answers[id] = result[id];
    }
  });
  return answers;
}

/** A random id for one subscription report (at most 64 characters, as the server requires). */
function newReportId() {
  return `r${Date.now().toString(36)}${Math.random().toString(36).slice(2, 12)}`;
}

/**
 * Ask for the given templates (default: the configured ones) and report the answers.
 * Resolves {answers, reported, reportId?, errCode?, response?}.
 */
async function subscribe(templateIds) {
  const tmplIds = (templateIds && templateIds.length ? templateIds : config.get().subscribeTemplateIds)
    .slice(0, MAX_TEMPLATES);
  if (!tmplIds.length) {
    return { answers: {}, reported: false };
  }
  const result = await requestSubscribeMessage(tmplIds);
  const answers = answersOf(tmplIds, result);
  if (!Object.keys(answers).length) {
    return { answers, reported: false, errCode: result.errCode || 0 };
  }
  // One id per popup: if this report is retried, the server counts its accepts only once.
  const reportId = newReportId();
  const response = await api.subscriptions({ results: answers, report_id: reportId });
  return { answers, reported: true, reportId, response };
}

module.exports = { subscribe, answersOf, requestSubscribeMessage, newReportId, MAX_TEMPLATES };
