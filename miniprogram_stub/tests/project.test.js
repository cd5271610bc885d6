// The project as WeChat DevTools imports it: every page and component complete, every handler
// named in WXML defined, and no words of the stub's own in any template.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const readJson = (file) => JSON.parse(fs.readFileSync(path.join(ROOT, file), 'utf8'));
const app = readJson('app.json');

/** Load a page or component script with a fake Page/Component; returns what it registered. */
function loadDefinition(file) {
  let definition = null;
  global.Page = (options) => { definition = options; };
  global.Component = (options) => { definition = options; };
  global.App = (options) => { definition = options; };
  const full = path.join(ROOT, file);
  delete require.cache[require.resolve(full)];
  require(full);
  delete global.Page;
  delete global.Component;
  delete global.App;
  assert.ok(definition, `${file} registers a page, component or app`);
  return definition;
}

/** Handler names used by bind…/catch… attributes of a WXML file. */
function handlersIn(wxml) {
  const names = new Set();
  const pattern = /\b(?:bind|catch)(?::)?[a-z]+="([A-Za-z_]\w*)"/g;
  let match;
  while ((match = pattern.exec(wxml)) !== null) {
    names.add(match[1]);
  }
  return [...names];
}

const PAGES = app.pages;
const COMPONENTS = Object.values(app.usingComponents).map((item) => item.replace(/^\//, ''));

test('the project files DevTools needs are there and valid', () => {
  const project = readJson('project.config.json');
  assert.equal(project.compileType, 'miniprogram');
  assert.equal(typeof project.appid, 'string');
  assert.ok(project.appid.length > 0);
  readJson('sitemap.json');
  assert.equal(app.sitemapLocation, 'sitemap.json');
  assert.ok(fs.existsSync(path.join(ROOT, 'app.js')));
  assert.ok(fs.existsSync(path.join(ROOT, 'app.wxss')));
  assert.equal(app.tabBar, undefined, 'no tab bar: its texts would be fixed at build time');
  loadDefinition('app.js');
});

test('every page and component has its four files and defines every handler its template uses', () => {
  const journeys = ['pages/verify/verify', 'pages/card/card', 'pages/permit/permit', 'pages/insurances/insurances',
    'pages/contributions/contributions', 'pages/qr/qr', 'pages/notices/notices', 'pages/guides/guides', 'pages/settings/settings'];
  journeys.forEach((page) => assert.ok(PAGES.includes(page), `${page} is in app.json`));
  for (const base of PAGES.concat(COMPONENTS)) {
    for (const ext of ['.js', '.json', '.wxml', '.wxss']) {
      assert.ok(fs.existsSync(path.join(ROOT, base + ext)), `${base}${ext}`);
    }
    readJson(`${base}.json`);
    const definition = loadDefinition(`${base}.js`);
    const methods = Object.assign({}, definition, definition.methods || {});
    const wxml = fs.readFileSync(path.join(ROOT, `${base}.wxml`), 'utf8');
    for (const handler of handlersIn(wxml)) {
      assert.equal(typeof methods[handler], 'function', `${base}: handler ${handler}`);
    }
  }
});

/** The open/close tag problems of a WXML text (an empty list when every tag is closed in order). */
function tagProblems(wxml) {
  const problems = [];
  const stack = [];
  const source = wxml.replace(/<!--[\s\S]*?-->/g, '').replace(/\{\{[\s\S]*?\}\}/g, '');
  const pattern = /<(\/?)([a-zA-Z][\w-]*)[^>]*?(\/?)>/g;
  let match;
  while ((match = pattern.exec(source)) !== null) {
    const [, closing, name, selfClosing] = match;
    if (selfClosing) {
      continue;
    }
    if (!closing) {
      stack.push(name);
    } else if (stack.pop() !== name) {
      problems.push(`</${name}> closes something else`);
    }
  }
  return problems.concat(stack.map((name) => `<${name}> is never closed`));
}

test('templates are well formed: every tag closed, in order', () => {
  for (const base of PAGES.concat(COMPONENTS)) {
    const wxml = fs.readFileSync(path.join(ROOT, `${base}.wxml`), 'utf8');
    assert.deepEqual(tagProblems(wxml), [], `${base}.wxml`);
  }
  assert.deepEqual(tagProblems('<view><text></view>'), ['</view> closes something else', '<view> is never closed']);
});

test('templates carry no words of their own: every text comes from {{data}}', () => {
  for (const base of PAGES.concat(COMPONENTS)) {
    const wxml = fs.readFileSync(path.join(ROOT, `${base}.wxml`), 'utf8');
    const text = wxml
      .replace(/<!--[\s\S]*?-->/g, '')
      .replace(/<[^>]*>/g, ' ')
      .replace(/\{\{[\s\S]*?\}\}/g, ' ');
    const letters = text.match(/\p{L}+/gu);
    assert.equal(letters, null, `${base}.wxml shows text of its own: ${letters}`);
    // Attributes read aloud by screen readers count too.
    const labels = [...wxml.matchAll(/aria-label="([^"]*)"/g)].map((m) => m[1].replace(/\{\{[\s\S]*?\}\}/g, ''));
    labels.forEach((label) => assert.equal(/\p{L}/u.test(label), false, `${base}: aria-label ${label}`));
  }
});

test('scripts show no texts of their own (toasts, modals, titles)', () => {
  const files = PAGES.concat(COMPONENTS).map((base) => `${base}.js`).concat(['app.js']);
  for (const file of files) {
    const source = fs.readFileSync(path.join(ROOT, file), 'utf8');
    assert.equal(/wx\.show(Toast|Modal|Loading|ActionSheet)\s*\(\s*\{[^}]*(title|content)\s*:\s*['"`]/.test(source), false, file);
    assert.equal(/setNavigationBarTitle\s*\(\s*\{\s*title\s*:\s*['"`]/.test(source), false, file);
  }
});

test('every page that can trigger a privacy interface carries the privacy pop-up WeChat asks through', () => {
  for (const base of PAGES) {
    const script = fs.readFileSync(path.join(ROOT, `${base}.js`), 'utf8');
    const wxml = fs.readFileSync(path.join(ROOT, `${base}.wxml`), 'utf8');
    // A journey may show the phone button; the clipboard goes through lib/privacy.
    const triggers = /api\.(submitFlow|flow)\(|privacy\.copyText\(/.test(script);
    assert.equal(/<ssc-privacy\b/.test(wxml), triggers, `${base}: ${triggers ? 'needs' : 'has no use for'} <ssc-privacy />`);
  }
  assert.equal(app.usingComponents['ssc-privacy'], '/components/privacy/privacy');
});

test('privacy interfaces are called only through lib/privacy.js, which waits for agreement', () => {
  const files = PAGES.concat(COMPONENTS).map((base) => `${base}.js`)
    .concat(fs.readdirSync(path.join(ROOT, 'lib')).map((name) => `lib/${name}`), ['app.js']);
  for (const file of files) {
    const source = fs.readFileSync(path.join(ROOT, file), 'utf8');
    const direct = /wx\.(setClipboardData|getClipboardData)\s*\(/.test(source);
    assert.equal(direct, file === 'lib/privacy.js', `${file}: the clipboard only through privacy.copyText`);
  }
});

test('icons are image files of the mini program, not emoji; each is named or hidden from screen readers', () => {
  const bases = PAGES.concat(COMPONENTS);
  for (const base of bases) {
    for (const ext of ['.wxml', '.js']) {
      const source = fs.readFileSync(path.join(ROOT, base + ext), 'utf8');
      assert.equal(/\p{Extended_Pictographic}/u.test(source), false, `${base}${ext} draws an emoji`);
    }
    const wxml = fs.readFileSync(path.join(ROOT, `${base}.wxml`), 'utf8');
    for (const [tag] of wxml.matchAll(/<image\b[^>]*>/g)) {
      assert.match(tag, /aria-label="\{\{|aria-hidden="true"/, `${base}: ${tag}`);
      for (const [, src] of tag.matchAll(/['"](\/assets\/icons\/[^'"]+)['"]/g)) {
        assert.ok(fs.existsSync(path.join(ROOT, src)), `${base}: ${src} exists`);
      }
    }
  }
  for (const name of fs.readdirSync(path.join(ROOT, 'assets', 'icons'))) {
    const svg = fs.readFileSync(path.join(ROOT, 'assets', 'icons', name), 'utf8');
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]* viewBox="0 0 24 24"/, name);
    assert.equal(/<text\b/.test(svg), false, `${name} carries no words`);
  }
});

test('pull-to-refresh is on only where the page reloads on it, and off where a reload would lose work', () => {
  const appDefault = Boolean(app.window && app.window.enablePullDownRefresh);
  for (const page of app.pages) {
    const settings = readJson(`${page}.json`);
    const on = 'enablePullDownRefresh' in settings ? settings.enablePullDownRefresh : appDefault;
    const definition = loadDefinition(`${page}.js`);
    if (on) {
      assert.equal(typeof definition.onPullDownRefresh, 'function', `${page}: a pull would only show the spinner`);
    }
  }
  // The QR code refreshes itself; a pull on the journey would drop half-typed answers.
  assert.equal(readJson('pages/qr/qr.json').enablePullDownRefresh, false);
  assert.equal(readJson('pages/verify/verify.json').enablePullDownRefresh, false);
});
