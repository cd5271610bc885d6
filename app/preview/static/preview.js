// The mini program's journey in a browser: signs in through the WeChat emulator, draws each
// screen document as components/screen/screen.wxml does (same structure, same class names, the
// view model of lib/screen.js) and posts the user's actions to the real API.
(function () {
  'use strict';

  const screenLib = window.mp.screen;
  const phoneLib = window.mp.phone;
  const shell = document.querySelector('.pv-phone');
  const frame = document.getElementById('mp-frame');
  const navbar = document.getElementById('pv-navbar');
  const locale = shell.dataset.locale;
  const flow = shell.dataset.flow;
  const OPENID_KEY = 'ssc.preview.openid';
  const state = { token: null, doc: null, values: {}, busy: false, error: '', renders: 0 };

  // WeChat's built-in components as browser elements: <view> is a block, <text> inline.
  function node(tag, className, text) {
    const element = document.createElement(tag);
    if (className) {
      element.className = className;
    }
    if (text !== undefined && text !== null && text !== '') {
      element.textContent = text;
    }
    return element;
  }

  function view(className, text) {
    return node('div', className, text);
  }

  function openid() {
    let id = sessionStorage.getItem(OPENID_KEY);
    if (!id) {
      id = `opreview${Date.now().toString(16)}${Math.random().toString(16).slice(2, 10)}`;
      sessionStorage.setItem(OPENID_KEY, id);
    }
    return id;
  }

  async function call(method, path, body) {
    const headers = { 'Content-Type': 'application/json', 'X-Client-Language': locale };
    if (state.token) {
      headers.Authorization = `Bearer ${state.token}`;
    }
    let response;
    try {
      response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (err) {
      throw new Error(shell.dataset.offline);
    }
    let data = null;
    try {
      data = await response.json();
    } catch (err) {
      data = null;
    }
    return { status: response.status, data };
  }

  function failure(result) {
    const message = result.data && result.data.error && result.data.error.message;
    return new Error(message || shell.dataset.offline);
  }

  async function mint(route, body) {
    const result = await call('POST', `/_wechat/_control/${route}`, body);
    if (result.status !== 200 || !result.data || !result.data.code) {
      throw failure(result);
    }
    return result.data.code;
  }

  async function signIn() {
    const code = await mint('login-code', { openid: openid() });
    const result = await call('POST', '/api/v1/auth/login', { code, language: locale });
    if (result.status !== 200 || !result.data || !result.data.token) {
      throw failure(result);
    }
    state.token = result.data.token;
    if (result.data.locale !== locale) {
      // A language the user saved earlier wins over WeChat's: the switch changes it, as the
      // mini program's settings page does.
      const changed = await call('PUT', '/api/v1/me', { locale });
      if (changed.status !== 200) {
        throw failure(changed);
      }
    }
  }

  // A flow answer: the next screen (a 4xx that is a screen too), else the error's message.
  async function flowCall(method, payload) {
    const result = await call(method, `/api/v1/flows/${flow}`, payload);
    const doc = screenLib.screenFromBody(result.data);
    if (!doc) {
      throw failure(result);
    }
    return doc;
  }

  function show(doc) {
    state.doc = doc;
    state.values = screenLib.initialValues(doc);
    state.error = '';
    render();
    window.scrollTo(0, 0);
  }

  async function run(task) {
    if (state.busy) {
      return;
    }
    state.busy = true;
    render();
    try {
      const doc = await task();
      state.busy = false;
      if (doc) {
        show(doc);
        return;
      }
    } catch (err) {
      state.error = err.message;
    }
    state.busy = false;
    render();
  }

  function onAction(action) {
    if (action.url) {
      // A link out of the journey (another page of the mini program): the preview stays here.
      frame.dataset.navigatedTo = action.url;
      return;
    }
    if (state.doc.step === 'result') {
      // As pages/verify does: the last screen's button opens the card.
      frame.dataset.navigatedTo = '/pages/card/card';
      return;
    }
    run(() => flowCall('POST', screenLib.submission(state.doc, action.name, state.values)));
  }

  function onPhone() {
    const phone = document.getElementById('pv-phone').value.trim();
    run(async () => {
      const code = await mint('phone-code', { openid: openid(), phone });
      const payload = phoneLib.phoneSubmission(state.doc, { detail: { code } }, state.values);
      return flowCall('POST', payload);
    });
  }

  function remember(field, value, redraw) {
    state.values[field.name] = screenLib.valueFromEvent(field, value);
    if (redraw) {
      render();
    }
  }

  function fieldOf(name) {
    return ((state.doc && state.doc.fields) || []).find((field) => field.name === name);
  }

  // <radio-group> / <checkbox-group> with <label class="choice"> items.
  function choices(field, options, type) {
    const group = view('choices');
    group.dataset.name = field.name;
    options.forEach((option) => {
      const label = node('label', 'choice');
      const box = node('input', `wx-${type}`);
      box.type = type;
      box.name = field.id;
      box.value = option.value;
      box.checked = option.checked;
      box.addEventListener('change', () => {
        const source = fieldOf(field.name);
        if (type === 'radio') {
          remember(source, option.value, true);
        } else if (field.kind === 'checkbox') {
          remember(source, box.checked ? ['on'] : [], true);
        } else {
          const ticked = Array.from(group.querySelectorAll('input:checked')).map((input) => input.value);
          remember(source, ticked, true);
        }
      });
      const text = view('choice-text');
      text.appendChild(node('span', '', option.label));
      if (option.hint) {
        text.appendChild(node('span', 'field-hint', option.hint));
      }
      label.append(box, text);
      group.appendChild(label);
    });
    return group;
  }

  function fieldNode(field) {
    const box = view(`field ${field.error ? 'field-has-error' : ''}`);
    box.id = field.id;
    if (field.kind !== 'checkbox' && field.kind !== 'phone') {
      box.appendChild(view('field-label', field.label));
    }
    if (field.hint) {
      box.appendChild(view('field-hint', field.hint));
    }
    if (field.error) {
      box.appendChild(view('field-error', field.error));
    }
    const source = fieldOf(field.name);
    if (field.kind === 'text') {
      const input = node('input', 'input text-input');
      input.type = 'text';
      input.inputMode = field.inputType === 'text' ? 'text' : 'numeric';
      input.value = field.value;
      input.name = field.name;
      if (field.maxLength > 0) {
        input.maxLength = field.maxLength;
      }
      input.setAttribute('aria-label', field.label);
      input.addEventListener('input', () => remember(source, input.value, false));
      box.appendChild(input);
    } else if (field.kind === 'date') {
      // <picker mode="date">: the shown value, with the browser's date input over it.
      const picker = node('label', 'date-picker');
      picker.appendChild(view('input picker-value', field.value || '—'));
      const input = node('input', 'pv-native');
      input.type = 'date';
      input.name = field.name;
      input.min = '1900-01-01';
      input.value = field.value;
      input.setAttribute('aria-label', field.label);
      input.addEventListener('change', () => remember(source, input.value, true));
      picker.appendChild(input);
      box.appendChild(picker);
    } else if (field.kind === 'radio') {
      box.appendChild(choices(field, field.options, 'radio'));
    } else if (field.kind === 'checkbox') {
      box.appendChild(choices(field, [{ value: 'on', label: field.label, checked: field.checked }], 'checkbox'));
    } else if (field.kind === 'checkboxes') {
      box.appendChild(choices(field, field.options, 'checkbox'));
    } else if (field.kind === 'phone') {
      const button = node('button', 'button button-primary phone-button', field.label);
      button.type = 'button';
      button.disabled = state.busy;
      button.addEventListener('click', onPhone);
      box.appendChild(button);
    }
    return box;
  }

  function screenNode(vm) {
    const root = view(`screen ${vm.rtl ? 'rtl' : 'ltr'}`);
    root.style.direction = vm.dir;
    if (vm.progress) {
      const progress = view('progress');
      const bar = node('progress', 'wx-progress');
      bar.max = 100;
      bar.value = vm.progress.percent;
      progress.appendChild(bar);
      progress.appendChild(node('span', 'progress-label',
        vm.progress.label || `${vm.progress.current} / ${vm.progress.total}`));
      root.appendChild(progress);
    }
    if (vm.errorSummary.length || vm.errorHeading) {
      const summary = view('error-summary');
      summary.setAttribute('role', 'alert');
      if (vm.errorHeading) {
        summary.appendChild(view('error-summary-heading', vm.errorHeading));
      }
      vm.errorSummary.forEach((item) => {
        const link = view('error-summary-item', item.message);
        link.addEventListener('click', () => {
          const target = item.anchor && document.getElementById(item.anchor);
          if (target) {
            target.scrollIntoView();
          }
        });
        summary.appendChild(link);
      });
      root.appendChild(summary);
    }
    if (vm.title) {
      const title = view('title', vm.title);
      title.setAttribute('role', 'heading');
      title.setAttribute('aria-level', '1');
      root.appendChild(title);
    }
    vm.body.forEach((paragraph) => root.appendChild(view('body-text', paragraph)));
    vm.fields.forEach((field) => root.appendChild(fieldNode(field)));
    if (vm.summary.length) {
      const summary = view('summary');
      vm.summary.forEach((item) => {
        const row = view('summary-row');
        row.appendChild(view('summary-label', item.label));
        row.appendChild(view('summary-value', item.value));
        if (item.note) {
          row.appendChild(view('summary-note', item.note));
        }
        if (item.change) {
          const change = view('link summary-change');
          change.setAttribute('role', 'button');
          if (item.changeLabel) {
            change.appendChild(node('span', '', item.changeLabel));
          } else {
            const icon = node('img', 'icon');
            icon.src = '/_preview/assets/icons/pencil.svg';
            change.appendChild(icon);
          }
          change.addEventListener('click', () => run(
            () => flowCall('POST', screenLib.changeSubmission(state.doc, item.change))));
          row.appendChild(change);
        }
        summary.appendChild(row);
      });
      root.appendChild(summary);
    }
    const actions = view('actions');
    if (vm.primary) {
      const button = node('button', 'button button-primary action-primary', vm.primary.label);
      button.type = 'button';
      button.disabled = state.busy;
      button.dataset.action = vm.primary.name;
      button.addEventListener('click', () => onAction(vm.primary));
      actions.appendChild(button);
    }
    vm.secondary.forEach((action) => {
      const link = view('link action-secondary', action.label);
      link.dataset.action = action.name;
      link.setAttribute('role', 'button');
      link.addEventListener('click', () => !state.busy && onAction(action));
      actions.appendChild(link);
    });
    root.appendChild(actions);
    return root;
  }

  // pages/verify/verify.wxml: the page (direction from the server), the error banner, the screen.
  function render() {
    const doc = state.doc;
    const dir = doc && doc.dir === 'rtl' ? 'rtl' : 'ltr';
    const page = view(`page ${dir}`);
    page.style.direction = dir;
    if (state.error) {
      const banner = view('banner-error', state.error);
      banner.setAttribute('role', 'alert');
      page.appendChild(banner);
    }
    if (doc) {
      page.appendChild(screenNode(screenLib.viewModel(doc, state.values)));
    }
    frame.replaceChildren(page);
    navbar.textContent = (doc && doc.title) || '';
    navbar.dir = dir;
    state.renders += 1;
    frame.dataset.step = doc ? doc.step : '';
    frame.dataset.busy = state.busy ? '1' : '';
    frame.dataset.renders = String(state.renders);
    markOverflow();
  }

  // Elements that clip their content: where text must stay inside.
  function clips(element) {
    const style = getComputedStyle(element);
    return style.overflowX !== 'visible' || style.overflowY !== 'visible';
  }

  /**
   * Every text of the phone that overflows its box: a line outside the frame, or outside an
   * element that clips it (a button). Returns [{text, box}], and outlines each box.
   */
  function overflows() {
    const found = [];
    const frameBox = frame.getBoundingClientRect();
    const walker = document.createTreeWalker(frame, NodeFilter.SHOW_TEXT);
    for (let text = walker.nextNode(); text; text = walker.nextNode()) {
      if (!text.textContent.trim()) {
        continue;
      }
      const range = document.createRange();
      range.selectNodeContents(text);
      const lines = Array.from(range.getClientRects());
      // Innermost first: a clipped button is named before the phone's edge.
      const boxes = [];
      for (let parent = text.parentElement; parent && parent !== frame; parent = parent.parentElement) {
        if (clips(parent)) {
          boxes.push(parent);
        }
      }
      boxes.push(frame);
      const outside = boxes.find((box) => {
        const limit = box === frame ? frameBox : box.getBoundingClientRect();
        return lines.some((line) => line.left < limit.left - 0.5 || line.right > limit.right + 0.5
          || (box !== frame && (line.top < limit.top - 0.5 || line.bottom > limit.bottom + 0.5)));
      });
      if (outside) {
        const name = outside === frame ? 'frame'
          : `${outside.tagName.toLowerCase()}.${Array.from(outside.classList).filter((c) => c !== 'pv-overflow').join('.')}`;
        found.push({ text: text.textContent.trim(), box: name });
        text.parentElement.classList.add('pv-overflow');
      }
    }
    return found;
  }

  function markOverflow() {
    const found = overflows();
    frame.dataset.overflow = String(found.length);
  }

  window.preview = { overflows };

  document.getElementById('pv-restart').addEventListener('click', () => {
    sessionStorage.removeItem(OPENID_KEY);
    window.location.reload();
  });
  document.querySelectorAll('[data-autosubmit]').forEach((select) => {
    select.addEventListener('change', () => select.form.submit());
  });

  run(async () => {
    await signIn();
    return flowCall('GET');
  });
}());
