/**
 * The stub's real pages and components rendered as WeChat renders them: every `.wxml` compiled by
 * WeChat's own compiler (wcc, through the official test framework miniprogram-simulate and its
 * j-component/exparser runtime), every `.wxss` applied, in a DOM (jsdom). A page is loaded the way
 * WeChat lets a page be built with `Component()`: its Page() options become the component's
 * methods, and app.json's global `usingComponents` are its components.
 *
 * Every render is checked (`checkRendered`): each tag is a built-in or a registered component,
 * each handler a template binds exists on the component that owns the template, each `wx:for`
 * item has a key of its own, each image is a file of the stub, and the framework reported no
 * warning or error (an exception thrown in an observer or a handler, an unknown component).
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { JSDOM } = require('jsdom');

const STUB_ROOT = path.resolve(__dirname, '..');

// The DOM the framework renders into; the framework reads these globals (the DOM's own Event
// classes, not node's, or the DOM refuses the events the framework dispatches).
const dom = new JSDOM('<!doctype html><html><head></head><body></body></html>', { url: 'https://servicewechat.com/' });
global.window = dom.window;
['document', 'Element', 'Node', 'HTMLElement', 'Event', 'CustomEvent', 'TouchEvent', 'getComputedStyle'].forEach((name) => {
  if (dom.window[name] !== undefined) {
    global[name] = dom.window[name];
  }
});

const simulate = require('miniprogram-simulate');
const exparser = require('miniprogram-exparser');
const CONSTANT = require('j-component/src/tool/constant');
// j-component's wrapper of a node (querySelector, dispatchEvent, instance, data).
const JComponent = Object.getPrototypeOf(require('j-component/src/render/component'));

// What the framework reports on its own (a component not found, an exception in a handler; the
// test framework prints the exceptions of the events it dispatches with console.error).
const reports = [];
const consoleError = console.error;
console.error = (...args) => {
  reports.push(`console.error: ${args.map((arg) => (arg && arg.stack) || String(arg)).join(' ')}`);
  consoleError(...args);
};
exparser.addGlobalWarningListener((message) => {
  reports.push(`warning: ${message}`);
});
exparser.addGlobalErrorListener((err, info) => {
  reports.push(`error in ${(info && info.type) || 'component'}: ${(err && err.stack) || err}`);
});

/** Page() options as a Component definition: data stays data, every function becomes a method. */
function pageAsComponent(options) {
  const methods = {};
  Object.keys(options).forEach((key) => {
    if (typeof options[key] === 'function') {
      methods[key] = options[key];
    }
  });
  return { options: { addGlobalClass: true }, data: options.data || {}, methods };
}

/** app.json of the project at `root`. */
function appJson(root) {
  return JSON.parse(fs.readFileSync(path.join(root, 'app.json'), 'utf8'));
}

/**
 * Compile and register `base` (a page or component path such as `pages/verify/verify`) of the
 * project at `root`; returns its component id. Throws on a WXML the compiler refuses.
 */
let activeRoot = null;

function load(base, root) {
  const projectRoot = root || STUB_ROOT;
  if (projectRoot !== activeRoot) {
    // The compiled templates cache their operations in one global, by position in the project:
    // another project (a broken copy in a test) must not find the previous one's there.
    const compiled = global.__WXML_GLOBAL__;
    if (compiled) {
      compiled.ops_cached = {};
      compiled.ops_set = {};
      compiled.ops_init = {};
    }
    activeRoot = projectRoot;
  }
  const usingComponents = appJson(projectRoot).usingComponents || {};
  const full = path.join(projectRoot, base);
  const tagName = base.split('/').slice(-1)[0];
  global.Page = (options) => global.Component(pageAsComponent(options));
  try {
    return simulate.load(full, tagName, { rootPath: projectRoot, usingComponents });
  } finally {
    delete global.Page;
  }
}

/** Every exparser node under `node`, through the shadow trees of the components in it. */
function walk(node, visit, owner) {
  visit(node, owner);
  if (node instanceof exparser.Component && node.shadowRoot) {
    walk(node.shadowRoot, visit, node);
  }
  (node.childNodes || []).forEach((child) => {
    if (child instanceof exparser.Element) {
      walk(child, visit, owner);
    }
  });
}

/** `aria-label` as the compiler names it (`ariaLabel`). */
function camel(name) {
  return name.replace(/-([a-z])/g, (all, letter) => letter.toUpperCase());
}

/** The attribute `name` a template gave a node (as bound to its data), or undefined. */
function attr(node, name) {
  const found = ((node._vt && node._vt.attrs) || []).find((item) => item.name === name || item.name === camel(name));
  return found ? found.value : undefined;
}

/** Controls a screen reader offers to act on (WeChat's built-in form and navigation components). */
const INTERACTIVE = new Set(['button', 'input', 'textarea', 'picker', 'radio', 'checkbox', 'switch', 'slider', 'navigator']);

/** The text a rendered node shows, folded; '' for none. */
function shownText(node) {
  const element = node.$$;
  return element ? element.textContent.replace(/\s+/g, ' ').trim() : '';
}

/**
 * The name a screen reader gives a control: its aria-label, else its text, else a label inside it
 * (a picker's value view), else the text of the <label> around it (a radio or a checkbox).
 */
function accessibleName(node) {
  const own = String(attr(node, 'aria-label') || '').trim() || shownText(node);
  if (own) {
    return own;
  }
  let inner = '';
  walk(node, (child) => {
    inner = inner || String(attr(child, 'aria-label') || '').trim();
  });
  if (inner) {
    return inner;
  }
  for (let parent = node.parentNode; parent; parent = parent.parentNode) {
    if (parent._vt && parent._vt.tagName === 'label') {
      return shownText(parent);
    }
  }
  return '';
}

/**
 * The problems of a rendered tree: unknown tags, handlers its owner lacks, wx:for items without a
 * key of their own, images that are not files of the project, interactive elements (a form
 * control, or anything with a tap handler) without a name, and what the framework reported.
 */
function problemsOf(rendered, root) {
  const projectRoot = root || STUB_ROOT;
  const problems = reports.splice(0);
  walk(rendered._exparserNode, (node, owner) => {
    const vt = node._vt;
    if (!vt || !owner) {
      return;
    }
    const where = `<${vt.tagName}> in ${owner.is}`;
    if (vt.type === CONSTANT.TYPE_COMPONENT && !node.__virtual && !node.is) {
      problems.push(`${where}: not a built-in or registered component`);
    }
    const caller = exparser.Element.getMethodCaller(owner);
    Object.keys(vt.event || {}).forEach((name) => {
      const handler = vt.event[name].handler;
      if (handler && typeof caller[handler] !== 'function') {
        problems.push(`${where}: ${name} is bound to "${handler}", which ${owner.is} does not define`);
      }
    });
    if (vt.type === CONSTANT.TYPE_FOR) {
      const keys = node.childNodes.map((item) => item._vt && item._vt.key);
      if (keys.some((key) => key === undefined || key === null || key === '')) {
        problems.push(`${where}: a wx:for item has no key (wx:key names no property of the items)`);
      } else if (new Set(keys).size !== keys.length) {
        problems.push(`${where}: wx:for items share a key: ${keys.join(', ')}`);
      }
    }
    const tappable = Object.keys(vt.event || {}).some((name) => /tap$/i.test(name));
    if ((INTERACTIVE.has(vt.tagName) || tappable) && !node.__virtual && !accessibleName(node)) {
      problems.push(`${where}: interactive <${vt.tagName}> has no name (text or aria-label)`);
    }
    if (vt.tagName === 'image') {
      const src = attr(node, 'src');
      if (!src || !src.startsWith('/') || !fs.existsSync(path.join(projectRoot, src))) {
        if (!/^data:|^https:/.test(String(src))) {
          problems.push(`${where}: image ${src} is not a file of the mini program`);
        }
      }
      const hidden = String(attr(node, 'aria-hidden')) === 'true';
      if (!hidden && !attr(node, 'aria-label')) {
        problems.push(`${where}: image ${src} has neither a name (aria-label) nor aria-hidden`);
      }
    }
  });
  return problems;
}

/** Throw when the rendered tree has any problem (see problemsOf). */
function checkRendered(rendered, root) {
  const problems = problemsOf(rendered, root);
  if (problems.length) {
    throw new Error(`the rendered WXML has problems:\n  ${problems.join('\n  ')}`);
  }
}

/** Wait until the events dispatched, the requests sent and what they started have all settled. */
async function settle() {
  for (let idle = 0; idle < 3;) {
    await new Promise((resolve) => setImmediate(resolve));
    const busy = typeof wx !== 'undefined' && wx.inflight > 0;
    idle = busy ? 0 : idle + 1;
    if (busy) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

/**
 * Every node matching `selector` (`.class`, `#id`, or several classes: the selectors the
 * framework itself understands), searched through the shadow trees of every component inside
 * `wrapper`, in document order.
 */
function findAll(wrapper, selector) {
  const found = [];
  walk(wrapper._exparserNode, (node) => {
    if (node !== wrapper._exparserNode && !node.__virtual && node.classList && exparser.Element.matchSelector(selector, node)) {
      found.push(node.__componentNode__ || new JComponent(node));
    }
  });
  return found;
}

/** The first node matching `selector` (through shadow trees), or throw. */
function find(wrapper, selector) {
  const [first] = findAll(wrapper, selector);
  if (!first) {
    throw new Error(`nothing rendered matches ${selector}`);
  }
  return first;
}

/** The text a node shows (the template's line breaks and indentation folded; no-break spaces kept). */
function text(node) {
  return node.dom.textContent.replace(/[ \t\r\n]+/g, ' ').replace(/^ | $/g, '');
}

/** The value of an attribute the template set on a node (as written, after data binding). */
function attribute(node, name) {
  return attr(node._exparserNode, name);
}

/** Dispatch `eventName` on a node as WeChat would, then wait for everything it started. */
async function fire(node, eventName, detail) {
  node.dispatchEvent(eventName, { detail: detail || {} });
  await settle();
}

/** A rendered page or component: its wrapper, its instance, and helpers bound to it. */
class Rendered {
  constructor(wrapper, root) {
    this.wrapper = wrapper;
    this.root = root;
  }

  get instance() {
    return this.wrapper.instance;
  }

  get data() {
    return this.wrapper.data;
  }

  find(selector) {
    return find(this.wrapper, selector);
  }

  findAll(selector) {
    return findAll(this.wrapper, selector);
  }

  has(selector) {
    return findAll(this.wrapper, selector).length > 0;
  }

  /** A node given as a selector, or itself. */
  node(selector) {
    return typeof selector === 'string' ? this.find(selector) : selector;
  }

  text(selector) {
    return selector ? text(this.node(selector)) : text(this.wrapper);
  }

  texts(selector) {
    return this.findAll(selector).map(text);
  }

  async tap(selector) {
    await fire(this.node(selector), 'tap');
    this.check();
  }

  async fire(selector, eventName, detail) {
    await fire(this.node(selector), eventName, detail);
    this.check();
  }

  /** The problems of what is on screen now (see problemsOf); throws when there is any. */
  check() {
    checkRendered(this.wrapper, this.root);
  }

  detach() {
    this.wrapper.detach();
  }
}

/** Render a component with `properties`; returns a Rendered, checked. */
async function renderComponent(base, properties, root) {
  const id = load(base, root);
  const wrapper = simulate.render(id, properties || {});
  wrapper.attach(dom.window.document.createElement('parent-wrapper'));
  await settle();
  const rendered = new Rendered(wrapper, root);
  rendered.check();
  return rendered;
}

/** Open a page as WeChat does: render it, onLoad(query), onShow; returns a Rendered, checked. */
async function openPage(route, query, root) {
  const id = load(route, root);
  const wrapper = simulate.render(id, {});
  wrapper.attach(dom.window.document.createElement('parent-wrapper'));
  const page = wrapper.instance;
  if (typeof page.onLoad === 'function') {
    page.onLoad(query || {});
  }
  if (typeof page.onShow === 'function') {
    page.onShow();
  }
  wrapper.triggerPageLifeTime('show');
  await settle();
  const rendered = new Rendered(wrapper, root);
  rendered.check();
  return rendered;
}

/** The inline style a node was given (e.g. `direction: rtl;`). */
function styleOf(node) {
  return String(attribute(node, 'style') || '');
}

module.exports = {
  STUB_ROOT,
  load,
  openPage,
  renderComponent,
  problemsOf,
  checkRendered,
  settle,
  find,
  findAll,
  text,
  attribute,
  styleOf,
  fire,
};
