/**
 * Just enough of the mini-program runtime to run the stub's own pages and components in node:
 * Page()/Component() definitions, setData with WeChat's path keys, property observers and
 * triggerEvent. It runs the real page and component code against the real backend.
 */
'use strict';

const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');

/** Set `value` at a WeChat setData path such as `view.items[2].read` inside `target`. */
function setPath(target, key, value) {
  const parts = key.replace(/\[(\d+)\]/g, '.$1').split('.');
  let node = target;
  parts.slice(0, -1).forEach((part) => {
    if (node[part] === undefined || node[part] === null) {
      node[part] = {};
    }
    node = node[part];
  });
  node[parts[parts.length - 1]] = value;
}

/** Copy data the way setData does (the view gets a JSON copy, never the object itself). */
function copy(value) {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

function loadDefinition(file, kind) {
  let definition = null;
  global[kind] = (options) => { definition = options; };
  const full = path.join(ROOT, file);
  delete require.cache[require.resolve(full)];
  require(full);
  delete global[kind];
  return definition;
}

/** A page instance of `pages/x/x`, with its methods and a working setData. */
function createPage(route) {
  const definition = loadDefinition(`${route}.js`, 'Page');
  const page = Object.assign({}, definition, { route, data: copy(definition.data || {}) });
  page.setData = (changes) => {
    Object.keys(changes).forEach((key) => setPath(page.data, key, copy(changes[key])));
  };
  return page;
}

/**
 * A component instance: `setProps` sets properties and runs their observers; events it
 * triggers go to the handlers given to `on`.
 */
function createComponent(base) {
  const definition = loadDefinition(`${base}.js`, 'Component');
  const props = definition.properties || {};
  const data = copy(definition.data || {});
  Object.keys(props).forEach((name) => { data[name] = copy(props[name].value); });
  const handlers = {};
  const component = Object.assign({}, definition.methods || {}, {
    data,
    setData(changes) {
      Object.keys(changes).forEach((key) => setPath(component.data, key, copy(changes[key])));
    },
    triggerEvent(name, detail) {
      if (handlers[name]) {
        handlers[name]({ type: name, detail });
      }
    },
    setProps(values) {
      Object.keys(values).forEach((name) => {
        const changed = JSON.stringify(component.data[name]) !== JSON.stringify(values[name]);
        component.data[name] = copy(values[name]);
        const observer = definition.observers && definition.observers[name];
        if (changed && observer) {
          observer.call(component, component.data[name]);
        }
      });
    },
    on(name, handler) {
      handlers[name] = handler;
    },
  });
  return component;
}

/** An event as WeChat delivers it to a handler: dataset on currentTarget, detail. */
function event(dataset, detail) {
  return { currentTarget: { dataset: dataset || {} }, target: { dataset: dataset || {} }, detail: detail || {} };
}

module.exports = { createPage, createComponent, event, setPath };
