/** The one error shape pages see: {code, message} from the server's envelope, or "offline". */
'use strict';

const { offlineMessage } = require('./offline');
const { wechatLanguage } = require('./language');

/** A failure with the server's stable `code` and its message in the user's language. */
class ApiError extends Error {
  constructor({ code, message, status, details, offline, requestId }) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status || 0;
    this.details = details || {};
    this.offline = Boolean(offline);
    this.requestId = requestId || null;
  }

  /** The plain {code, message} a page shows. */
  toJSON() {
    return { code: this.code, message: this.message, status: this.status, details: this.details };
  }
}

/** The service could not be reached (no network, connection refused, timeout, a proxy's 5xx). */
function offlineError(reason, status) {
  return new ApiError({
    code: 'network.offline',
    message: offlineMessage(wechatLanguage()),
    status: status || 0,
    details: reason ? { reason: String(reason) } : {},
    offline: true,
  });
}

/** The server's envelope `{"error": {code, message, details}}`, or null when the body is not one. */
function envelopeOf(body) {
  if (!body || typeof body !== 'object' || !body.error || typeof body.error !== 'object') {
    return null;
  }
  const { code, message } = body.error;
  return typeof code === 'string' && typeof message === 'string' ? body.error : null;
}

/** An ApiError for a failed response: the envelope when there is one, else "offline". */
function errorFromResponse(response) {
  const envelope = envelopeOf(response.data);
  if (envelope) {
    return new ApiError({
      code: envelope.code,
      message: envelope.message,
      status: response.status,
      details: envelope.details,
      requestId: envelope.request_id,
    });
  }
  // No envelope means something other than our backend answered (a proxy, a gateway, a
  // half-started server): for the user that is the service being unreachable.
  return offlineError(`HTTP ${response.status}`, response.status);
}

module.exports = { ApiError, offlineError, envelopeOf, errorFromResponse };
