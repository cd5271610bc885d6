// Guides on the real backend: the list, and each guide as a screen document the renderer shows.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { useBackend, newDevice } = require('./helpers');
const api = require('../lib/api');
const screen = require('../lib/screen');
const { chooseLanguage } = require('./journey');

const server = useBackend({ seed: false });

/** The guides of a list response (a bare list, or under `guides`/`items`). */
function guidesOf(body) {
  return Array.isArray(body) ? body : body.guides || body.items || [];
}

test('the guides list and every guide render as screens, in the user\'s language', async () => {
  newDevice(server.backend, { language: 'en' });
  const list = guidesOf(await api.guides());
  assert.ok(list.length >= 5, 'documents checklist, lost card, leaving China, medical visit, agreements');
  for (const item of list) {
    assert.ok(item.slug, 'each guide has a slug');
    assert.ok(item.title, 'each guide has a title');
    // Every page, following the primary action as the guide page does, until it closes.
    let doc = await api.guide(item.slug);
    const seen = [];
    for (;;) {
      const vm = screen.viewModel(doc);
      assert.ok(vm.title, `${item.slug}/${doc.step} has a title`);
      assert.ok(vm.body.length > 0 || vm.summary.length > 0, `${item.slug}/${doc.step} has content`);
      assert.equal(vm.dir, 'ltr');
      assert.ok(vm.primary && vm.primary.label, `${item.slug}/${doc.step} has a labelled primary action`);
      seen.push(doc.step);
      const move = screen.guideMove(doc, vm.primary.name);
      if (move.close) {
        break;
      }
      assert.ok(seen.length < 30, 'a guide ends');
      doc = await api.guide(item.slug, move.page);
    }
    if (Array.isArray(item.pages)) {
      assert.deepEqual(seen, item.pages, `${item.slug}: every page, in order`);
    }
  }
});

test('a guide in a right-to-left language says so', async () => {
  newDevice(server.backend, { language: 'en' });
  const offered = Object.fromEntries((await api.locales()).map((item) => [item.id, item.dir]));
  const rtl = offered.ar ? 'ar' : 'ar@pseudo';
  // The journey's first screen saves the choice; guides then follow it.
  const next = await chooseLanguage(rtl);
  assert.equal(next.locale, rtl);
  const [first] = guidesOf(await api.guides());
  const doc = await api.guide(first.slug);
  assert.equal(screen.viewModel(doc).dir, 'rtl');
});

test('an unknown guide is a 404 envelope', async () => {
  newDevice(server.backend, { language: 'en' });
  await assert.rejects(api.guide('no-such-guide'), (err) => {
    assert.equal(err.status, 404);
    assert.ok(err.code);
    assert.ok(err.message);
    return true;
  });
});
