// Text follows the phone's font size (WCAG 1.4.4): every page sets its root font size to the
// system's (<page-meta root-font-size="system"/>, base library 2.11.0 and later), every text size is
// in rem (1rem is that root size; rpx follows the screen's width only), and no style cuts text short
// or boxes it in a fixed height when the text grows to 200%. The layout itself at 200% is measured in
// a browser by tests/preview/test_browser.py (the root font size doubled).
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const app = JSON.parse(fs.readFileSync(path.join(ROOT, 'app.json'), 'utf8'));
const PAGES = app.pages;
const COMPONENTS = Object.values(app.usingComponents).map((item) => item.replace(/^\//, ''));
const STYLESHEETS = ['app.wxss'].concat(PAGES.concat(COMPONENTS).map((base) => `${base}.wxss`));

const read = (file) => fs.readFileSync(path.join(ROOT, file), 'utf8');

/** The problem of a page's WXML whose first node is not <page-meta root-font-size="system">, or null. */
function pageMetaProblem(wxml) {
  const source = wxml.replace(/<!--[\s\S]*?-->/g, '').trimStart();
  const first = source.match(/^<([a-zA-Z][\w-]*)([^>]*)>/);
  if (!first || first[1] !== 'page-meta') {
    return `the first node is ${first ? `<${first[1]}>` : 'missing'}, not <page-meta root-font-size="system"/>`;
  }
  if (!/\sroot-font-size="system"/.test(first[2])) {
    return '<page-meta> does not set root-font-size="system"';
  }
  return null;
}

/** The rules of a WXSS source: [{selector, declarations: [[name, value]]}]. */
function rules(wxss) {
  const found = [];
  const source = wxss.replace(/\/\*[\s\S]*?\*\//g, '');
  for (const [, selector, body] of source.matchAll(/([^{}]+)\{([^{}]*)\}/g)) {
    const declarations = body.split(';').filter((part) => part.includes(':'))
      .map((part) => [part.slice(0, part.indexOf(':')).trim().toLowerCase(), part.slice(part.indexOf(':') + 1).trim()]);
    found.push({ selector: selector.trim().replace(/\s+/g, ' '), declarations });
  }
  return found;
}

/**
 * The text-size problems of a WXSS source: a font-size not in rem, a line-height in a fixed unit
 * (it would not grow with the text; a number, a multiple of the font size, does).
 */
function textSizeProblems(wxss) {
  const problems = [];
  for (const rule of rules(wxss)) {
    for (const [name, value] of rule.declarations) {
      if (name === 'font-size' && !/^\d*\.?\d+rem$/.test(value)) {
        problems.push(`${rule.selector}: font-size ${value} is not in rem`);
      }
      if (name === 'line-height' && !/^(\d*\.?\d+(rem)?|normal)$/.test(value)) {
        problems.push(`${rule.selector}: line-height ${value} does not grow with the text`);
      }
    }
  }
  return problems;
}

/** Classes given to <image> elements only, in every template (an image may have a fixed height). */
function imageOnlyClasses() {
  const onImages = new Set();
  const elsewhere = new Set();
  for (const base of PAGES.concat(COMPONENTS)) {
    for (const [, tag, attrs] of read(`${base}.wxml`).matchAll(/<([a-zA-Z][\w-]*)\b([^>]*)>/g)) {
      const classAttr = attrs.match(/\sclass="([^"]*)"/);
      const names = classAttr ? classAttr[1].replace(/\{\{[\s\S]*?\}\}/g, ' ').split(/\s+/).filter(Boolean) : [];
      names.forEach((name) => (tag === 'image' ? onImages : elsewhere).add(name));
    }
  }
  return new Set([...onImages].filter((name) => !elsewhere.has(name)));
}

/**
 * The problems of a WXSS source for text at 200%: text cut short (an ellipsis, a line clamp, or no
 * wrapping where overflow is hidden), or a box of fixed height that is not an image.
 */
function largeTextProblems(wxss, images) {
  const problems = [];
  for (const rule of rules(wxss)) {
    const values = Object.fromEntries(rule.declarations);
    if (values['text-overflow'] === 'ellipsis' || values['-webkit-line-clamp']) {
      problems.push(`${rule.selector}: cuts text short (${values['text-overflow'] ? 'text-overflow: ellipsis' : 'line clamp'})`);
    }
    if (values['white-space'] === 'nowrap' && /hidden|clip/.test(values.overflow || '')) {
      problems.push(`${rule.selector}: hides text that does not fit on one line`);
    }
    for (const name of ['height', 'max-height']) {
      const fixed = /\d(rpx|px)\b/.test(values[name] || '');
      const lastClasses = rule.selector.split(',').map((part) => (part.trim().match(/\.([\w-]+)[^.\s]*$/) || [])[1]);
      if (fixed && !lastClasses.every((name) => name && images.has(name))) {
        problems.push(`${rule.selector}: ${name} ${values[name]} is fixed; text in it would overflow at 200%`);
      }
    }
  }
  return problems;
}

/** A selector's specificity as [ids, classes and attributes, elements]. */
function specificity(selector) {
  const bare = selector.replace(/::[\w-]+/g, ' ');
  return [
    (bare.match(/#[\w-]+/g) || []).length,
    (bare.match(/\.[\w-]+|\[[^\]]*\]|:[\w-]+/g) || []).length,
    (bare.replace(/\[[^\]]*\]/g, ' ').match(/(^|[\s>+~])[a-zA-Z][\w-]*/g) || []).length,
  ];
}

const beats = (a, b) => a[0] !== b[0] ? a[0] > b[0] : a[1] !== b[1] ? a[1] > b[1] : a[2] > b[2];

/**
 * The buttons of a WXML source whose text keeps WeChat's fixed size: no rule of `wxss` that sets a
 * font size for one of the button's classes beats WeChat's own button style (`button`, or
 * `button[size="mini"]` for a mini button, whose 13 px would otherwise win over one class).
 */
function fixedSizeButtons(wxml, wxss) {
  const sized = rules(wxss).filter((rule) => rule.declarations.some(([name]) => name === 'font-size'));
  const problems = [];
  for (const [, attrs] of wxml.matchAll(/<button\b([^>]*)>/g)) {
    const classAttr = attrs.match(/\sclass="([^"]*)"/);
    const names = classAttr ? classAttr[1].replace(/\{\{[\s\S]*?\}\}/g, ' ').split(/\s+/).filter(Boolean) : [];
    const builtIn = /\ssize="mini"/.test(attrs) ? [0, 1, 1] : [0, 0, 1];
    const wins = sized.some((rule) => rule.selector.split(',').some((part) => {
      const last = part.trim().split(/[\s>+~]+/).pop();
      return names.some((name) => new RegExp(`\\.${name}(?![\\w-])`).test(last)) && beats(specificity(part.trim()), builtIn);
    }));
    if (!wins) {
      problems.push(`<button class="${names.join(' ')}"${builtIn[1] ? ' size="mini"' : ''}> keeps WeChat's fixed text size`);
    }
  }
  return problems;
}

test('every page sets its root font size to the system font size, as its first node', () => {
  for (const base of PAGES) {
    assert.equal(pageMetaProblem(read(`${base}.wxml`)), null, `${base}.wxml`);
  }
  // Proven on the pages as they were, and on a page-meta that sets no system size.
  assert.match(pageMetaProblem('<view class="page {{dir}}"></view>'), /first node is <view>/);
  assert.match(pageMetaProblem('<page-meta page-style="color: red"/>\n<view/>'), /does not set root-font-size/);
  assert.equal(pageMetaProblem('<!-- why -->\n<page-meta root-font-size="system"></page-meta>\n<view/>'), null);
});

test('every text size in every stylesheet is in rem, so it follows the system font size', () => {
  for (const file of STYLESHEETS) {
    assert.deepEqual(textSizeProblems(read(file)), [], file);
  }
  assert.deepEqual(textSizeProblems('page { font-size: 32rpx; } .a { line-height: 40rpx; } .b { font-size: 1rem; line-height: 1.5; }'),
    ['page: font-size 32rpx is not in rem', '.a: line-height 40rpx does not grow with the text']);
  assert.deepEqual(textSizeProblems('.c { font-size: 14px; } .d { font-size: 1.2em; }'),
    ['.c: font-size 14px is not in rem', '.d: font-size 1.2em is not in rem']);
});

test('no style cuts text short or boxes it in a fixed height when the text grows to 200%', () => {
  const images = imageOnlyClasses();
  assert.ok(images.has('icon') && images.has('qr-image'), 'icons and the QR code are images');
  for (const file of STYLESHEETS) {
    assert.deepEqual(largeTextProblems(read(file), images), [], file);
  }
  // The navigation bar's labels, as they were.
  assert.deepEqual(largeTextProblems('.nav-label { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }', images), [
    '.nav-label: cuts text short (text-overflow: ellipsis)',
    '.nav-label: hides text that does not fit on one line',
  ]);
  assert.deepEqual(largeTextProblems('.title { height: 88rpx; } .icon { height: 40rpx; } .input { min-height: 48rpx; }', images),
    ['.title: height 88rpx is fixed; text in it would overflow at 200%']);
});

test('1rem is 32rpx: at 16 px, on the 375 px reference screen, text keeps the sizes it had in rpx', () => {
  // The title was 44rpx, the body 32rpx, hints 26rpx: on WeChat's 375 px reference screen, with the
  // standard font size, these are the same pixels as before.
  const wxss = read('components/screen/screen.wxss') + read('app.wxss');
  const px = (selector) => {
    const rule = rules(wxss).find((item) => item.selector === selector);
    return parseFloat(Object.fromEntries(rule.declarations)['font-size']) * 16;
  };
  assert.equal(px('page'), 32 / 2);
  assert.equal(px('.title'), 44 / 2);
  assert.equal(px('.field-hint'), 26 / 2);
});

test("every button's text follows the system font size, mini buttons too", () => {
  const shared = read('app.wxss');
  for (const base of PAGES.concat(COMPONENTS)) {
    assert.deepEqual(fixedSizeButtons(read(`${base}.wxml`), shared + read(`${base}.wxss`)), [], base);
  }
  // The consent's withdraw button as it was: one class loses to WeChat's button[size="mini"].
  assert.deepEqual(fixedSizeButtons('<button class="withdraw" size="mini">', '.withdraw { font-size: 0.8125rem; }'),
    ['<button class="withdraw" size="mini"> keeps WeChat\'s fixed text size']);
  assert.deepEqual(fixedSizeButtons('<button class="withdraw" size="mini">', '.page .withdraw { font-size: 0.8125rem; }'), []);
  assert.deepEqual(fixedSizeButtons('<button class="button">', '.button { font-size: 1rem; }'), []);
  assert.deepEqual(specificity('.page .withdraw'), [0, 2, 0]);
  assert.deepEqual(specificity('button[size="mini"]'), [0, 1, 1]);
});
