/**
 * The help desk: WeChat's customer-service chat, opened by `<button open-type="contact">`.
 * `session-from` travels to the backend in the user_enter_tempsession push, so the desk knows
 * where the chat started and in which language to greet.
 */
'use strict';

const config = require('./config');

// WeChat limits session-from to 1,000 characters; ours is far shorter.
const MAX_LENGTH = 1000;

/** `session-from` for a chat opened on `page` by a user reading `locale`: "<app>|<page>|<locale>". */
function sessionFrom(page, locale) {
  return [config.get().helpDeskSessionFrom, page || '', locale || ''].join('|').slice(0, MAX_LENGTH);
}

module.exports = { sessionFrom };
