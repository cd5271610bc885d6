/** Verify a device's user through the real journey (for tests that need a verified user). */
'use strict';

const api = require('../lib/api');
const screen = require('../lib/screen');
const phone = require('../lib/phone');

/** The answers each step of the verify flow needs for `person` (field names of docs/architecture.md, "The verification journey"). */
function answersFor(step, person, locale) {
  switch (step) {
    case 'language': return { locale };
    case 'consent': return { consent_sensitive: true };
    case 'name': return { passport_name: person.passportName };
    case 'identifier_type': return { identifier_type: 'permit_number' };
    case 'identifier': return { identifier: person.permitNumber };
    case 'date_of_birth': return { date_of_birth: person.dateOfBirth };
    case 'second_factor': return { method: 'phone' };
    default: return {};
  }
}

/** Walk the journey to `result` with the phone factor; resolves the result screen. */
async function verifyByPhone(fake, person, locale) {
  let doc = await api.flow('verify');
  for (let round = 0; round < 20 && doc.step !== 'result'; round += 1) {
    if (doc.error) {
      throw new Error(`the journey stopped at ${doc.step}: ${JSON.stringify(doc.error)} ${JSON.stringify(doc.errors)}`);
    }
    let payload;
    if (doc.step === 'phone') {
      payload = phone.phoneSubmission(doc, await fake.phoneNumberEvent(person.phone), {});
    } else {
      const values = Object.assign(screen.initialValues(doc), answersFor(doc.step, person, locale || 'en'));
      payload = screen.submission(doc, null, values);
    }
    doc = await api.submitFlow('verify', payload);
  }
  if (doc.step !== 'result') {
    throw new Error(`the journey did not reach result: ${JSON.stringify(doc).slice(0, 500)}`);
  }
  return doc;
}

/** Choose the language on the journey's first screen (a first run); resolves the next screen. */
async function chooseLanguage(locale) {
  const doc = await api.flow('verify');
  if (doc.step !== 'language') {
    throw new Error(`not a first run: the journey is at ${doc.step}`);
  }
  return api.submitFlow('verify', screen.submission(doc, null, { locale }));
}

module.exports = { verifyByPhone, answersFor, chooseLanguage };
