/**
 * The stub's built-in copy of `GET /api/v1/client-texts` in every language it ships
 * (`lib/fallback_texts.js`), as the backend answers it: `expectedFallback(baseUrl)` for the test
 * that keeps the copy equal to the server, and `npm run fallback-texts` to write it anew after the
 * catalogs changed.
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { get } = require('./backend');
const { LOCALES } = require('../lib/language');

const FILE = path.resolve(__dirname, '..', 'lib', 'fallback_texts.js');

/** {locale: document} from the backend at `baseUrl`, asked in each language the stub ships. */
async function expectedFallback(baseUrl) {
  const texts = {};
  for (const locale of LOCALES) {
    const res = await get(`${baseUrl}/api/v1/client-texts?lang=${encodeURIComponent(locale)}`);
    if (res.status !== 200 || res.body.locale !== locale) {
      throw new Error(`client-texts in ${locale}: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
    }
    texts[locale] = res.body;
  }
  return texts;
}

/** The module source of `lib/fallback_texts.js` for these texts. */
function moduleSource(texts) {
  return [
    '// The built-in copy of GET /api/v1/client-texts in every language the stub ships, shown only',
    '// while the server cannot be reached. Written by `npm run fallback-texts` from the backend\'s',
    '// catalogs; tests/texts.test.js fails when it differs from what the server answers.',
    '\'use strict\';',
    '',
    `module.exports = ${JSON.stringify(texts, null, 2)};`,
    '',
  ].join('\n');
}

async function main() {
  const { startBackend } = require('./backend');
  const backend = await startBackend({ seed: false });
  try {
    fs.writeFileSync(FILE, moduleSource(await expectedFallback(backend.baseUrl)));
    process.stdout.write(`wrote ${FILE}\n`);
  } finally {
    await backend.stop();
  }
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`${err.stack || err}\n`);
    process.exit(1);
  });
}

module.exports = { expectedFallback, moduleSource, FILE };
