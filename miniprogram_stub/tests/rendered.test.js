// The mini program as WeChat renders it: every page's and component's own WXML compiled by WeChat's
// compiler and rendered by its test framework (tests/wxml.js), fed by the running backend, in
// English, Simplified Chinese and Arabic (right to left). A new device in each language walks the
// verification journey on the rendered page (the consent error, an identifier the server refuses,
// the check summary, WeChat's privacy pop-up before the phone button, the result), then opens every
// other page. Every screen is the server's document as the page fetched it, and what the template
// shows is compared with it; every tap goes through the template's own binding to the handler,
// and those that answer the journey are seen posting to the API.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const wxml = require('./wxml');
const { get } = require('./backend');
const { useBackend, newDevice, launchApp, verifiableIdentities, offeredLocales, publishNotice } = require('./helpers');
const screen = require('../lib/screen');

const server = useBackend({ seed: true });

const LANGUAGES = [
  // The privacy pop-up is answered in English and Arabic; the Chinese user agreed long ago.
  { locale: 'en', wechat: 'en', dir: 'ltr', privacyAgreed: false },
  { locale: 'zh_Hans', wechat: 'zh_CN', dir: 'ltr', privacyAgreed: true },
  { locale: 'ar', wechat: 'ar', dir: 'rtl', privacyAgreed: false },
];

/** The server's client texts in `locale`. */
async function clientTexts(locale) {
  const res = await get(`${server.backend.baseUrl}/api/v1/client-texts?lang=${locale}`);
  assert.equal(res.status, 200);
  return res.body;
}

/** POSTs the device sent to a journey. */
function posts(fake, flow) {
  return fake.requests.filter((item) => item.method === 'POST' && item.url.indexOf(`/api/v1/flows/${flow}`) >= 0).length;
}

/** The rendered screen shows exactly what the server's document says, in its direction. */
function assertShowsDocument(page, doc) {
  const vm = screen.viewModel(doc);
  const where = `${doc.flow}/${doc.step}`;
  assert.equal(page.text('.title'), vm.title, `${where}: title`);
  assert.deepEqual(page.texts('.body-text'), vm.body, `${where}: paragraphs`);
  vm.fields.forEach((field) => {
    if (field.kind === 'checkbox') {
      assert.ok(page.texts('.choice-text').includes(field.label), `${where}: the box ${field.name} is labelled`);
    } else if (field.kind === 'phone') {
      assert.equal(page.text('.phone-button'), field.label, `${where}: the phone button is labelled`);
    } else {
      assert.ok(page.texts('.field-label').includes(field.label), `${where}: ${field.name} is labelled`);
    }
    field.options.forEach((option) => assert.ok(page.texts('.choice-text').some((shown) => shown.startsWith(option.label)),
      `${where}: option ${option.value}`));
  });
  assert.deepEqual(page.texts('.field-error'), vm.fields.map((field) => field.error).filter(Boolean), `${where}: inline errors`);
  assert.deepEqual(page.texts('.error-summary-item'), vm.errorSummary.map((item) => item.message), `${where}: error summary`);
  assert.deepEqual(page.texts('.summary-label'), vm.summary.map((row) => row.label), `${where}: summary labels`);
  assert.deepEqual(page.texts('.summary-value'), vm.summary.map((row) => row.value.trim()), `${where}: summary values`);
  assert.deepEqual(page.texts('.summary-note'), vm.summary.map((row) => row.note).filter(Boolean), `${where}: summary notes`);
  assert.deepEqual(page.texts('.summary-change'), vm.summary.filter((row) => row.change).map((row) => row.changeLabel),
    `${where}: change links`);
  assert.equal(page.has('.action-primary') ? page.text('.action-primary') : null, vm.primary ? vm.primary.label : null,
    `${where}: the primary button`);
  assert.deepEqual(page.texts('.action-secondary'), vm.secondary.map((action) => action.label), `${where}: other actions`);
  assertDirection(page, doc.dir);
}

/** The page and the screen in it are laid out in `dir` (style `direction` and the rtl class). */
function assertDirection(page, dir) {
  const nodes = page.findAll('.page').concat(page.findAll('.screen'));
  assert.ok(nodes.length > 0, 'a page or screen is rendered');
  nodes.forEach((node) => {
    assert.match(wxml.styleOf(node), new RegExp(`direction: ${dir};`), 'the direction is applied');
    // Classes are written with their component's prefix (`verify--rtl`).
    assert.ok(node.dom.className.split(' ').some((name) => name === dir || name.endsWith(`--${dir}`)), `the ${dir} class is applied`);
  });
}

/** Tap the journey's primary button and see it post the screen's answers to the API. */
async function submit(page, fake) {
  const before = posts(fake, 'verify');
  await page.tap('.action-primary');
  assert.equal(posts(fake, 'verify'), before + 1, 'the tap posted to the API');
  return page.data.doc;
}

/**
 * On `step`, the screen shows the server's document; `fill(page)` answers it as the user would,
 * then the primary button posts it. Resolves the next document.
 */
async function answer(page, fake, step, fill) {
  assert.equal(page.data.doc.step, step);
  assertShowsDocument(page, page.data.doc);
  if (fill) {
    await fill(page);
  }
  return submit(page, fake);
}

/** Choose `value` in the screen's radio buttons or boxes, as their group's change event delivers it. */
function choose(page, value) {
  return page.fire('.choices', 'change', { value });
}

/** Type into the screen's text field, as the input event of its <input> delivers it. */
function type(page, value) {
  return page.fire('.text-input', 'input', { value });
}

/**
 * A tap on the getPhoneNumber button: WeChat holds it while the privacy pop-up asks (answered
 * by `answer(page)`), then delivers the button's event to the template's bindgetphonenumber.
 */
async function tapPhoneButton(page, fake, person, answer) {
  const held = fake.phoneButtonDetail(person.phone);
  await wxml.settle();
  if (answer) {
    await answer(page);
  }
  const detail = await held;
  await page.fire('.phone-button', 'getphonenumber', detail);
  return detail;
}

/** The privacy pop-up is on screen with the server's words in the user's language and direction. */
function assertPrivacyPopUp(page, texts) {
  assert.equal(page.text('.privacy-title'), texts.privacy.title);
  assert.equal(page.text('.privacy-body'), texts.privacy.body);
  assert.equal(page.text('.privacy-guide'), texts.privacy.read_guide);
  assert.equal(page.text('.privacy-agree'), texts.privacy.agree);
  assert.equal(page.text('.privacy-disagree'), texts.privacy.disagree);
  assert.equal(page.text('.privacy-contract'), '《SSC Bridge小程序隐私保护指引》', 'the guide\'s name from WeChat');
  assert.match(wxml.styleOf(page.find('.privacy-sheet')), new RegExp(`direction: ${texts.dir};`));
  assert.equal(wxml.attribute(page.find('.privacy-agree'), 'open-type'), 'agreePrivacyAuthorization');
}

/** The user taps Agree: WeChat records the tap on that button, then the template's binding runs. */
async function agree(page, fake) {
  const button = page.find('.privacy-agree');
  fake.tapAgreeButton(wxml.attribute(button, 'id'));
  await page.fire(button, 'agreeprivacyauthorization');
}

/** The whole journey on the rendered verify page for `person`; resolves the device. */
async function walkJourney(language, person, texts) {
  const fake = newDevice(server.backend, { language: language.wechat, privacyAgreed: language.privacyAgreed });
  launchApp(server.backend);
  const page = await wxml.openPage('pages/verify/verify');
  let doc = await answer(page, fake, 'language', (shown) => choose(shown, language.locale));
  assert.equal(doc.locale, language.locale);
  assert.deepEqual(page.texts('.nav-label'), ['verify', 'card', 'qr', 'notices', 'guides', 'settings', 'help_desk']
    .map((key) => texts.nav[key]), 'the navigation is named in the language just chosen');
  doc = await answer(page, fake, 'start');
  // Not ticking the box: the same screen with the server's error at the top and on the field.
  doc = await answer(page, fake, 'consent');
  assert.equal(doc.step, 'consent');
  assert.equal(doc.error.code, 'request.validation');
  assert.equal(page.texts('.field-error').length, 1);
  assert.equal(page.findAll('.field-has-error').length, 1);
  doc = await answer(page, fake, 'consent', (shown) => choose(shown, ['on']));
  doc = await answer(page, fake, 'name', (shown) => type(shown, person.passportName));
  doc = await answer(page, fake, 'identifier_type', (shown) => choose(shown, 'permit_number'));
  // An identifier the server refuses: its message on the field and in the summary.
  doc = await answer(page, fake, 'identifier', (shown) => type(shown, '12-34'));
  assert.equal(doc.step, 'identifier');
  assert.ok(doc.error, 'the server refused the identifier');
  assert.ok(page.texts('.field-error')[0], 'the field shows the error');
  doc = await answer(page, fake, 'identifier', (shown) => type(shown, person.permitNumber));
  doc = await answer(page, fake, 'date_of_birth', (shown) => shown.fire('.date-picker', 'change', { value: person.dateOfBirth }));

  // Check your answers: every row with its change link; a change goes back and returns here.
  assert.equal(doc.step, 'check');
  assert.ok(doc.summary.length >= 4);
  assertShowsDocument(page, doc);
  const before = posts(fake, 'verify');
  await page.tap(page.findAll('.summary-change')[0]);
  assert.equal(posts(fake, 'verify'), before + 1, 'the change link posted');
  assert.equal(page.data.doc.step, 'name');
  doc = await submit(page, fake);
  assert.equal(doc.step, 'check');
  doc = await submit(page, fake);

  doc = await answer(page, fake, 'second_factor', (shown) => choose(shown, 'phone'));

  assert.equal(doc.step, 'phone');
  assertShowsDocument(page, doc);
  if (!language.privacyAgreed) {
    // The first tap: WeChat holds the button and asks through the privacy pop-up; refused, no
    // number is shared, nothing is posted, and the screen says the service point stays open.
    const sent = posts(fake, 'verify');
    const refused = await tapPhoneButton(page, fake, person, async () => {
      assertPrivacyPopUp(page, texts);
      await page.tap('.privacy-guide');
      assert.equal(fake.privacy.contractOpened, 1, 'the link opens the privacy guide');
      await page.tap('.privacy-disagree');
    });
    assert.equal(refused.errno, 104);
    assert.equal(page.has('.privacy-mask'), false, 'the pop-up closed');
    assert.equal(page.text('.privacy-note'), texts.privacy.refused_phone);
    assert.equal(posts(fake, 'verify'), sent, 'nothing was posted');
    assert.equal(page.text('.action-secondary'), doc.actions.find((action) => action.name === 'back').label,
      'Back (to choose the service point) is still there');
  }
  // Agreeing this time: WeChat lets the button go on and shares the number; the code is posted.
  const sent = posts(fake, 'verify');
  await tapPhoneButton(page, fake, person, language.privacyAgreed ? null : async (shown) => {
    assertPrivacyPopUp(shown, texts);
    await agree(shown, fake);
  });
  assert.equal(posts(fake, 'verify'), sent + 1, 'the phone code was posted');
  if (!language.privacyAgreed) {
    assert.ok(fake.privacy.exposures >= 2, 'WeChat was told each time the pop-up showed');
    assert.deepEqual(fake.privacy.asked, ['button.getPhoneNumber', 'button.getPhoneNumber']);
  }
  doc = page.data.doc;
  assert.equal(doc.step, 'result', JSON.stringify(doc.errors));
  assertShowsDocument(page, doc);
  await page.tap('.action-primary');
  assert.deepEqual(fake.navigations.pop(), { kind: 'reLaunch', url: '/pages/card/card' });
  return fake;
}

for (const language of LANGUAGES) {
  const privacyStep = language.privacyAgreed ? 'the privacy guide agreed before' : 'the privacy pop-up refused, then agreed';
  test(`${language.locale}: the journey on the rendered verify page to the result (${privacyStep})`, async () => {
    const offered = await offeredLocales(server.backend);
    assert.equal(offered[language.locale], language.dir, `${language.locale} is offered`);
    const person = verifiableIdentities(server.backend.seed)[LANGUAGES.indexOf(language)];
    const texts = await clientTexts(language.locale);
    language.fake = await walkJourney(language, person, texts);
    language.texts = texts;
  });

  test(`${language.locale}: the card, permit, insurances, contributions and QR pages rendered`, async () => {
    const { fake, texts } = language;
    assert.ok(fake, 'the journey ran');
    global.wx = fake;

    const card = await wxml.openPage('pages/card/card');
    const cardView = card.data.view;
    assert.ok(cardView && cardView.status, JSON.stringify(card.data.error));
    assert.equal(card.text('.status-name'), cardView.status.name);
    assert.deepEqual(card.texts('.row-label'), cardView.rows.map((row) => row.label).filter(Boolean));
    assert.equal(card.texts('.row-value').length, cardView.rows.length);
    assert.deepEqual(card.texts('.shortcut-label').slice(0, 3), [texts.nav.permit, texts.nav.insurances, texts.nav.contributions]);
    assertDirection(card, language.dir);
    await card.tap(card.findAll('.shortcut')[0]);
    assert.deepEqual(fake.navigations.pop(), { kind: 'navigateTo', url: '/pages/permit/permit' });

    const permit = await wxml.openPage('pages/permit/permit');
    assert.ok(permit.data.view, JSON.stringify(permit.data.error));
    assert.equal(permit.texts('.row-value').length, permit.data.view.rows.length);
    assertDirection(permit, language.dir);

    const insurances = await wxml.openPage('pages/insurances/insurances');
    assert.deepEqual(insurances.texts('.heading'), insurances.data.view.items.map((item) => item.insurance.name));
    assertDirection(insurances, language.dir);

    const contributions = await wxml.openPage('pages/contributions/contributions');
    const view = contributions.data.view;
    assert.ok(view, JSON.stringify(contributions.data.error));
    assert.equal(contributions.text('.total'), view.total);
    assert.equal(contributions.text('.year-value'), String(view.year));
    assert.deepEqual(contributions.texts('.month'), view.months.map((month) => month.label));
    assertDirection(contributions, language.dir);
    if (view.years.length > 1) {
      // Another year from the picker: the page asks the server for it.
      const other = view.years.find((year) => year !== view.year);
      await contributions.fire('.year-picker', 'change', { value: String(view.years.indexOf(other)) });
      assert.equal(contributions.data.view.year, other);
      assert.equal(contributions.text('.year-value'), String(other));
    }

    const qr = await wxml.openPage('pages/qr/qr');
    assert.ok(qr.data.image.startsWith('data:image/'), 'the QR image from the server');
    assert.equal(qr.text('.hint'), qr.data.hint);
    qr.instance.onHide();
  });

  test(`${language.locale}: a guide page shows its rows with their notes; the guides list`, async () => {
    const { fake } = language;
    global.wx = fake;
    const guides = await wxml.openPage('pages/guides/guides');
    const slugs = guides.data.guides.map((guide) => guide.slug);
    assert.ok(slugs.includes('lost-card'));
    assert.deepEqual(guides.texts('.guide-title'), guides.data.guides.map((guide) => guide.title));
    assertDirection(guides, language.dir);
    await guides.tap(guides.findAll('.guide')[slugs.indexOf('lost-card')]);
    assert.deepEqual(fake.navigations.pop(), { kind: 'navigateTo', url: '/pages/guide/guide?slug=lost-card' });

    const guide = await wxml.openPage('pages/guide/guide', { slug: 'lost-card' });
    const doc = guide.data.doc;
    assert.equal(doc.step, 'temporary');
    assertShowsDocument(guide, doc);
    // The 12333 hotline row carries the phrase to say on the phone.
    assert.ok(guide.texts('.summary-note').some((note) => note.indexOf('我要临时挂失社保卡') >= 0));
    // Continue reads the next page of the guide (no journey is answered).
    await guide.tap('.action-primary');
    assert.equal(guide.data.doc.step, 'formal');
    assertShowsDocument(guide, guide.data.doc);
    // Done on its last page, when the guide was opened from a search result (the first page):
    // there is nothing to go back to, so the guides list opens instead.
    global.getCurrentPages = () => [guide.instance];
    try {
      for (let page = 0; page < 10 && !fake.navigations.length; page += 1) {
        await guide.tap('.action-primary');
      }
      assert.deepEqual(fake.navigations.pop(), { kind: 'redirectTo', url: '/pages/guides/guides' });
    } finally {
      delete global.getCurrentPages;
    }
  });

  test(`${language.locale}: notices rendered; the source link copies only once the privacy guide is agreed`, async () => {
    const { fake, texts } = language;
    global.wx = fake;
    const notice = await publishNotice(server.backend, `New pension rule (${language.locale})`);
    // The operator declared the clipboard in a new version of the privacy guide: WeChat asks again.
    fake.privacy.agreed = false;
    const page = await wxml.openPage('pages/notices/notices');
    const index = page.data.view.items.findIndex((item) => item.id === notice);
    assert.ok(index >= 0, 'the published notice is in the inbox');
    const titles = page.findAll('.notice-title');
    assert.equal(page.text(titles[index]), page.data.view.items[index].title);
    assert.equal(wxml.attribute(page.find('.subscribe'), 'aria-label'), texts.icons.subscribe);
    await page.tap(titles[index]);
    assert.equal(page.data.open, index);
    const url = page.data.view.items[index].source.url;

    const refused = page.tap('.source');
    await wxml.settle();
    assertPrivacyPopUp(page, texts);
    await page.tap('.privacy-disagree');
    await refused;
    assert.equal(fake.clipboard, null, 'nothing was copied');
    assert.deepEqual(page.texts('.privacy-note'), [`${texts.privacy.refused_clipboard}${url}`], 'what refusing means, above the address');
    assert.equal(page.text('.source-url'), url);

    const copied = page.tap('.source');
    await wxml.settle();
    await agree(page, fake);
    await copied;
    assert.equal(fake.clipboard, url, 'copied once agreed');
    assert.equal(page.has('.privacy-note'), false);
    assertDirection(page, language.dir);
  });

  test(`${language.locale}: settings and the entry page rendered`, async () => {
    const { fake, texts } = language;
    global.wx = fake;
    const settings = await wxml.openPage('pages/settings/settings');
    assert.equal(settings.data.current, language.locale);
    assert.deepEqual(settings.texts('.language'), settings.data.locales.map((item) => item.name));
    // Each language's name is marked with its BCP 47 tag (zh-Hans, en-XA), not the locale id (zh_Hans).
    const offered = await require('../lib/api').locales();
    assert.deepEqual(settings.findAll('.language-name').map((node) => wxml.attribute(node, 'lang')),
      offered.map((item) => item.bcp47));
    assert.ok(offered.some((item) => item.id !== item.bcp47), 'a locale whose id is not its tag');
    assert.equal(wxml.attribute(settings.find('.heading'), 'aria-label'), texts.icons.language);
    assert.deepEqual(settings.texts('.consent-label'), settings.data.consents.map((item) => item.label));
    assertDirection(settings, language.dir);

    const entry = await wxml.openPage('pages/index/index');
    assert.equal(entry.data.error, null);
    assert.deepEqual(fake.navigations.pop(), { kind: 'redirectTo', url: '/pages/card/card' });
  });

  test(`${language.locale}: a new version asks to restart in the user's language`, async () => {
    const { fake, texts } = language;
    global.wx = fake;
    launchApp(server.backend);
    await wxml.settle();
    fake.updates.ready();
    await wxml.settle();
    const modal = fake.modals.pop();
    assert.equal(modal.title, texts.update.title);
    assert.equal(modal.content, texts.update.body);
    assert.equal(modal.confirmText, texts.update.restart);
    assert.equal(modal.cancelText, texts.update.later);
    assert.equal(fake.updates.applied, 1, 'restarted into the new version');
  });
}

test('the nav and screen components render on their own with a document the server sent', async () => {
  const fake = newDevice(server.backend, { language: 'ar' });
  const res = await get(`${server.backend.baseUrl}/api/v1/guides/lost-card?lang=ar`);
  assert.equal(res.status, 200);
  const rendered = await wxml.renderComponent('components/screen/screen', { doc: res.body });
  assertShowsDocument(rendered, res.body);
  assert.ok(rendered.has('.summary-note'));
  // The progress bar (aria-role="progressbar") is named by its words: "الخطوة 1 من 3".
  const progress = rendered.find('.progress');
  assert.equal(wxml.attribute(progress, 'aria-label'), res.body.progress.label);
  assert.ok(res.body.progress.label);
  const nav = await wxml.renderComponent('components/nav/nav', { current: 'card', dir: 'rtl' });
  assert.equal(nav.texts('.nav-label').length, 7);
  await nav.tap(nav.findAll('.nav-item')[0]);
  assert.deepEqual(fake.navigations.pop(), { kind: 'redirectTo', url: '/pages/verify/verify' });
});
