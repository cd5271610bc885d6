// The mini program's journey in a browser: signs in through the WeChat emulator, draws each
// screen document as components/screen/screen.wxml does (same structure, same class names, the
// view model of lib/screen.js) and posts the user's actions to the real API. With ?page= it
// draws that page of the mini program instead, as its pages/<page>/<page>.wxml does, from the
// page's API answer and the view model of lib/views.js, with components/nav/nav.wxml below.
(function () {
  'use strict';

  const screenLib = window.mp.screen;
  const phoneLib = window.mp.phone;
  const viewsLib = window.mp.views;
  const qrLib = window.mp.qr;
  const shell = document.querySelector('.pv-phone');
  const frame = document.getElementById('mp-frame');
  const navbar = document.getElementById('pv-navbar');
  const locale = shell.dataset.locale;
  const pageName = shell.dataset.page;
  // The journey a screen document belongs to: the verification journey, or settings' consents.
  const flow = pageName === 'settings' ? 'consents' : shell.dataset.flow;
  const OPENID_KEY = 'ssc.preview.openid';
  const state = { token: null, doc: null, values: {}, busy: false, error: '', renders: 0, data: null, texts: null };

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

  // WXML's aria-role and aria-label as the browser's role and aria-label.
  function aria(element, role, label) {
    if (role) {
      element.setAttribute('role', role);
    }
    if (label) {
      element.setAttribute('aria-label', label);
    }
    return element;
  }

  // <image src aria-hidden="true"> (decorative) or with its aria-label.
  function image(className, src, label) {
    const element = node('img', className);
    element.src = src.startsWith('/assets/') ? `/_preview${src}` : src;
    if (label) {
      element.setAttribute('aria-label', label);
    } else {
      element.setAttribute('aria-hidden', 'true');
    }
    return element;
  }

  // wx.navigateTo / redirectTo: a page of the mini program is a preview address of this language.
  function go(url) {
    frame.dataset.navigatedTo = url;
    const [path, query] = url.split('?');
    const name = path.split('/').filter(Boolean).pop();
    const params = new URLSearchParams(query || '');
    const target = new URLSearchParams({ lang: locale });
    if (name !== 'verify') {
      target.set('page', name);
    }
    if (params.get('slug')) {
      target.set('slug', params.get('slug'));
    }
    if (params.get('page')) {
      target.set('guide_page', params.get('page'));
    }
    window.location.assign(`/_preview/?${target}`);
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
      // A link out of the journey: another page of the mini program.
      go(action.url);
      return;
    }
    if (pageName === 'guide') {
      // As pages/guide does: Continue and Back move between the guide's pages, Done closes it.
      const move = screenLib.guideMove(state.doc, action.name);
      go(move.close ? '/pages/guides/guides' : `/pages/guide/guide?slug=${shell.dataset.slug}&page=${move.page}`);
      return;
    }
    if (state.doc.step === 'result' && pageName === 'verify') {
      // As pages/verify does: the last screen's button opens the card.
      go('/pages/card/card');
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
      box.appendChild(aria(view('field-error', field.error), 'alert'));
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
      picker.appendChild(aria(view('input picker-value', field.value || '—'), null, field.label));
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
      const words = vm.progress.label || `${vm.progress.current} / ${vm.progress.total}`;
      const progress = aria(view('progress'), 'progressbar', words);
      const bar = node('progress', 'wx-progress');
      bar.max = 100;
      bar.value = vm.progress.percent;
      progress.appendChild(bar);
      progress.appendChild(node('span', 'progress-label', words));
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
          const change = aria(view('link summary-change'), 'button', item.changeLabel || texts().icons.change);
          if (item.changeLabel) {
            change.appendChild(node('span', '', item.changeLabel));
          } else {
            change.appendChild(image('icon', '/assets/icons/pencil.svg', texts().icons.change));
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

  // The client texts (names of the navigation's pages and of lone icons), as lib/texts.js loads them.
  function texts() {
    return state.texts || { nav: {}, icons: {} };
  }

  // components/nav/nav.wxml: a link per destination, and the help desk's button.
  const NAV = [
    { key: 'verify', icon: '/assets/icons/verify.svg', url: '/pages/verify/verify' },
    { key: 'card', icon: '/assets/icons/card.svg', url: '/pages/card/card' },
    { key: 'qr', icon: '/assets/icons/qr.svg', url: '/pages/qr/qr' },
    { key: 'notices', icon: '/assets/icons/bell.svg', url: '/pages/notices/notices' },
    { key: 'guides', icon: '/assets/icons/guide.svg', url: '/pages/guides/guides' },
    { key: 'settings', icon: '/assets/icons/settings.svg', url: '/pages/settings/settings' },
  ];

  function navNode(current, dir) {
    const names = texts().nav;
    const nav = view('nav');
    nav.style.direction = dir;
    NAV.forEach((item) => {
      const link = aria(view(`nav-item ${item.key === current ? 'nav-active' : ''}`), 'link', names[item.key]);
      link.dataset.key = item.key;
      link.append(image('icon nav-icon', item.icon), view('nav-label', names[item.key]));
      link.addEventListener('click', () => item.key !== current && go(item.url));
      nav.appendChild(link);
    });
    // open-type="contact" opens WeChat's customer service chat: nothing to open in a browser.
    const contact = aria(node('button', 'nav-item nav-contact'), null, names.help_desk);
    contact.type = 'button';
    contact.append(image('icon nav-icon', '/assets/icons/chat.svg'), view('nav-label', names.help_desk));
    nav.appendChild(contact);
    return nav;
  }

  // The card's and permit's rows: <view class="row"> with a label and a value (and its sub-line).
  function rowNode(item) {
    const row = view('row');
    if (item.label) {
      row.appendChild(node('span', 'row-label', item.label));
    }
    const value = view('row-value');
    value.appendChild(view('', item.value));
    if (item.sub) {
      value.appendChild(view('muted', item.sub));
    }
    row.appendChild(value);
    return row;
  }

  function zh(text, className) {
    const element = view(className || 'muted', text);
    element.lang = 'zh-Hans';
    return element;
  }

  // pages/card/card.wxml
  function cardPage(page, v) {
    if (v.status) {
      const status = view(`card-block card-status ${v.status.usable ? 'usable' : 'unusable'}`);
      status.appendChild(view('status-name', v.status.name));
      if (v.status.termZh) {
        status.appendChild(zh(v.status.termZh));
      }
      if (v.status.explanation) {
        status.appendChild(view('status-explanation', v.status.explanation));
      }
      if (v.status.changed) {
        status.appendChild(view('muted', v.status.changed));
      }
      page.appendChild(status);
    }
    const rows = view('card-block');
    v.rows.forEach((item) => rows.appendChild(rowNode(item)));
    page.appendChild(rows);
    const names = texts().nav;
    const shortcuts = view('card-block shortcuts');
    const links = [['/pages/permit/permit', 'permit', 'permit'], ['/pages/insurances/insurances', 'insurances', 'shield'],
      ['/pages/contributions/contributions', 'contributions', 'chart']];
    if (v.guide) {
      links.push([`/pages/guide/guide?slug=${v.guide}`, 'guides', 'guide']);
    }
    links.forEach(([url, key, icon]) => {
      const shortcut = aria(view('shortcut'), 'link', names[key]);
      shortcut.append(image('icon icon-large', `/assets/icons/${icon}.svg`), view('shortcut-label', names[key]));
      shortcut.addEventListener('click', () => go(url));
      shortcuts.appendChild(shortcut);
    });
    page.appendChild(shortcuts);
    if (v.disclaimer) {
      page.appendChild(view('muted disclaimer', v.disclaimer));
    }
  }

  // pages/permit/permit.wxml
  function permitPage(page, v) {
    const head = view(`card-block ${v.expired ? 'expired' : ''}`);
    if (v.category) {
      head.appendChild(view('heading', v.category.name));
      if (v.category.termZh) {
        head.appendChild(zh(v.category.termZh));
      }
      if (v.category.explanation) {
        head.appendChild(view('explanation', v.category.explanation));
      }
    }
    if (v.status) {
      const status = view('status', v.status.name);
      if (v.status.termZh) {
        const term = node('span', 'muted', ` · ${v.status.termZh}`);
        term.lang = 'zh-Hans';
        status.appendChild(term);
      }
      head.appendChild(status);
      if (v.status.explanation) {
        head.appendChild(view('explanation', v.status.explanation));
      }
    }
    page.appendChild(head);
    const rows = view('card-block');
    v.rows.forEach((item) => rows.appendChild(rowNode(item)));
    page.appendChild(rows);
    if (v.onsite) {
      const onsite = view(`card-block onsite ${v.onsite.passed ? 'expired' : ''}`);
      onsite.appendChild(view('explanation', v.onsite.explanation));
      if (v.onsite.deadline) {
        onsite.appendChild(view('heading', v.onsite.deadline));
      }
      if (v.onsite.daysLeft) {
        onsite.appendChild(view('muted', v.onsite.daysLeft));
      }
      page.appendChild(onsite);
    }
  }

  // pages/insurances/insurances.wxml
  function insurancesPage(page, v) {
    v.items.forEach((item) => {
      const block = view('card-block');
      block.appendChild(view('heading', item.insurance.name));
      if (item.insurance.termZh) {
        block.appendChild(zh(item.insurance.termZh));
      }
      block.appendChild(view('status', item.status.name));
      if (item.status.explanation) {
        block.appendChild(view('explanation', item.status.explanation));
      }
      if (item.period) {
        block.appendChild(view('muted', item.period));
      }
      const ex = item.exemption;
      if (ex) {
        const box = view(`exemption ${ex.expired ? 'expired' : ''}`);
        box.appendChild(view('', ex.country));
        if (ex.certificate) {
          box.appendChild(view('', ex.certificate));
        }
        if (ex.validTo) {
          const valid = view('', `${ex.validTo} `);
          valid.appendChild(node('span', 'muted', ex.daysLeft));
          box.appendChild(valid);
        }
        ex.covers.forEach((covered) => box.appendChild(view('muted', `· ${covered}`)));
        block.appendChild(box);
      }
      page.appendChild(block);
    });
    if (v.note) {
      const note = view('card-block muted note');
      note.appendChild(node('span', '', v.note));
      if (v.guide) {
        note.appendChild(image('icon', '/assets/icons/guide.svg'));
        note.addEventListener('click', () => go(`/pages/guide/guide?slug=${v.guide}`));
      }
      page.appendChild(note);
    }
  }

  // pages/contributions/contributions.wxml
  function contributionsPage(page, v) {
    if (v.years.length) {
      // <picker mode="selector">: the year shown, with the browser's select over it.
      const picker = node('label', 'year-picker date-picker');
      const year = view('card-block year');
      year.append(image('icon', '/assets/icons/calendar.svg'), node('span', 'year-value', String(v.year)),
        image('icon icon-small', '/assets/icons/chevron-down.svg'));
      const select = node('select', 'pv-native');
      v.years.forEach((item) => {
        const option = node('option', '', String(item));
        option.value = String(item);
        option.selected = item === v.year;
        select.appendChild(option);
      });
      select.addEventListener('change', () => run(() => loadPage({ year: select.value })));
      picker.append(year, select);
      page.appendChild(picker);
    }
    const totals = view('card-block totals');
    totals.append(view('total', v.total), view('muted', `${v.employerTotal} + ${v.employeeTotal}`));
    v.byInsurance.forEach((item) => {
      const row = view('row');
      row.append(node('span', 'row-label', item.insurance), node('span', 'row-value', item.total));
      totals.appendChild(row);
    });
    page.appendChild(totals);
    if (v.gaps.length || v.arrears.length) {
      const warning = view('card-block warning');
      v.arrears.forEach((item) => {
        const line = view('arrears');
        line.append(image('icon icon-small', '/assets/icons/warning.svg'),
          node('span', '', `${item.period} · ${item.insurance} · ${item.amount}`));
        warning.appendChild(line);
      });
      v.gaps.forEach((item) => {
        const line = view('gap');
        line.append(image('icon icon-small', '/assets/icons/gap.svg'), node('span', '', item));
        warning.appendChild(line);
      });
      page.appendChild(warning);
    }
    v.months.forEach((month) => {
      const block = view(`card-block ${month.arrears ? 'month-arrears' : ''}`);
      const head = view('month-head');
      head.append(node('span', 'month', month.label), node('span', '', month.total));
      block.appendChild(head);
      month.records.forEach((record) => {
        const box = view(`record ${record.arrears ? 'record-arrears' : ''}`);
        const row = view('row');
        row.appendChild(node('span', 'row-label', record.insurance));
        if (record.total) {
          row.appendChild(node('span', 'row-value', record.total));
        }
        box.append(row, view('muted', `${record.employerAmount} + ${record.employeeAmount} · ${record.status}`));
        if (record.employer) {
          box.appendChild(view('muted', record.employer));
        }
        block.appendChild(box);
      });
      page.appendChild(block);
    });
    if (v.nextCursor) {
      const more = view('more');
      more.appendChild(image('icon', '/assets/icons/chevron-down.svg'));
      page.appendChild(more);
    }
  }

  // pages/qr/qr.wxml
  function qrPage(page, v) {
    if (!v.image) {
      return;
    }
    const block = view('card-block qr');
    block.appendChild(image('qr-image', qrLib.imageSrc(v.image), v.hint));
    if (v.hint) {
      block.appendChild(view('hint', v.hint));
    }
    block.addEventListener('click', () => run(() => loadPage()));
    page.appendChild(block);
  }

  // pages/notices/notices.wxml (the privacy note needs WeChat's clipboard: not in a browser)
  function noticesPage(page, v) {
    const icons = texts().icons;
    const toolbar = view('toolbar');
    if (v.unread) {
      toolbar.appendChild(view('badge', String(v.unread)));
    }
    // wx.requestSubscribeMessage has no browser counterpart: the bell is drawn, not subscribed.
    const bell = aria(node('button', 'subscribe'), null, icons.subscribe);
    bell.type = 'button';
    bell.setAttribute('size', 'mini');
    bell.appendChild(image('icon', '/assets/icons/bell.svg'));
    toolbar.appendChild(bell);
    page.appendChild(toolbar);
    v.items.forEach((item, index) => {
      const block = view(`card-block notice ${item.important ? 'important' : ''}`);
      block.style.direction = item.dir;
      const title = view(`notice-title ${item.read ? '' : 'unread'}`);
      if (item.important) {
        title.appendChild(image('icon icon-small', '/assets/icons/important.svg'));
      }
      title.appendChild(node('span', '', item.title));
      title.addEventListener('click', () => openNotice(index));
      block.append(title, view('muted', item.date));
      if (state.data.open === index) {
        const body = view('notice-body');
        const rich = view('');
        // <rich-text nodes>: the server's sanitised HTML of the notice.
        rich.innerHTML = item.html;
        body.appendChild(rich);
        if (item.source) {
          const source = aria(view('muted source'), 'link');
          source.append(image('icon icon-small', '/assets/icons/link.svg'),
            node('span', '', `${item.source.title} · ${item.source.date}`));
          body.appendChild(source);
        }
        block.appendChild(body);
      }
      page.appendChild(block);
    });
  }

  function openNotice(index) {
    const item = state.data.view.items[index];
    state.data.open = state.data.open === index ? null : index;
    run(async () => {
      if (!item.read) {
        const result = await call('POST', `/api/v1/notices/${item.id}/read`, {});
        if (result.status !== 200) {
          throw failure(result);
        }
        item.read = true;
        state.data.view.unread = Math.max(0, state.data.view.unread - 1);
      }
    });
  }

  // pages/guides/guides.wxml
  function guidesPage(page, v) {
    if (v.title) {
      page.appendChild(view('page-title', v.title));
    }
    v.guides.forEach((guide) => {
      const block = view('card-block guide');
      block.appendChild(view('guide-title link', guide.title));
      if (guide.summary) {
        block.appendChild(view('muted', guide.summary));
      }
      block.addEventListener('click', () => go(`/pages/guide/guide?slug=${encodeURIComponent(guide.slug)}`));
      page.appendChild(block);
    });
  }

  // pages/settings/settings.wxml
  function settingsPage(page, v) {
    const languages = view('card-block');
    languages.appendChild(image('icon icon-large heading', '/assets/icons/globe.svg', texts().icons.language));
    const group = view('');
    v.locales.forEach((item) => {
      const label = node('label', 'language');
      label.style.direction = item.dir;
      const radio = node('input', 'wx-radio');
      radio.type = 'radio';
      radio.name = 'locale';
      radio.value = item.id;
      radio.checked = item.id === v.current;
      radio.disabled = state.busy;
      // As pages/settings does: the new language saved (signIn's PUT /me), the page drawn again in it.
      radio.addEventListener('change', () => window.location.assign(`/_preview/?lang=${item.id}&page=settings`));
      const name = node('span', 'language-name', item.name);
      name.lang = item.tag;
      label.append(radio, name);
      group.appendChild(label);
    });
    languages.appendChild(group);
    page.appendChild(languages);
    if (v.consents.length) {
      const block = view('card-block');
      v.consents.forEach((item) => {
        const row = view('consent');
        const button = aria(node('button', 'withdraw'), null, item.withdrawLabel);
        button.type = 'button';
        button.setAttribute('size', 'mini');
        button.disabled = state.busy;
        if (item.withdrawLabel) {
          button.appendChild(node('span', '', item.withdrawLabel));
        } else {
          button.appendChild(image('icon', '/assets/icons/withdraw.svg'));
        }
        row.append(image('icon', '/assets/icons/shield.svg'), node('span', 'consent-label', item.label), button);
        block.appendChild(row);
      });
      page.appendChild(block);
    }
    if (state.doc) {
      const block = view('card-block');
      block.appendChild(screenNode(screenLib.viewModel(state.doc, state.values)));
      page.appendChild(block);
    }
  }

  const PAGES = {
    card: cardPage,
    permit: permitPage,
    insurances: insurancesPage,
    contributions: contributionsPage,
    qr: qrPage,
    notices: noticesPage,
    guides: guidesPage,
    settings: settingsPage,
  };

  async function get(path) {
    const result = await call('GET', `/api/v1${path}`);
    if (result.status !== 200) {
      throw failure(result);
    }
    return result.data;
  }

  // What each page's onLoad asks the API, as its view: the same calls and view models.
  async function loadPage(query) {
    const params = new URLSearchParams(query || {});
    const suffix = params.toString() ? `?${params}` : '';
    let data;
    if (pageName === 'index') {
      const me = await get('/me');
      go(me.user && me.user.verified ? '/pages/card/card' : '/pages/verify/verify');
      return null;
    } else if (pageName === 'card') {
      data = { view: viewsLib.cardView(await get('/card')) };
    } else if (pageName === 'permit') {
      data = { view: viewsLib.permitView(await get('/card/permit')) };
    } else if (pageName === 'insurances') {
      data = { view: viewsLib.insurancesView(await get('/card/insurances')) };
    } else if (pageName === 'contributions') {
      data = { view: viewsLib.contributionsView(await get(`/card/contributions${suffix}`), null) };
    } else if (pageName === 'qr') {
      const result = await call('POST', '/api/v1/card/qr', {});
      if (result.status !== 200) {
        throw failure(result);
      }
      const body = result.data;
      data = { view: { image: body.image, hint: body.hint || '', dir: body.dir === 'rtl' ? 'rtl' : 'ltr' } };
    } else if (pageName === 'notices') {
      data = { view: viewsLib.noticesView(await get('/notices')), open: null };
    } else if (pageName === 'guides') {
      const body = await get('/guides');
      data = { view: { title: body.title || '', dir: screenLib.direction(body),
        guides: (body.guides || []).map((guide) => ({ slug: guide.slug, title: guide.title || '',
          summary: guide.summary || '' })) } };
    } else if (pageName === 'guide') {
      const page = shell.dataset.guidePage ? `?page=${encodeURIComponent(shell.dataset.guidePage)}` : '';
      return screenLib.screenFromBody(await get(`/guides/${encodeURIComponent(shell.dataset.slug)}${page}`));
    } else if (pageName === 'settings') {
      const [locales, me, mine] = await Promise.all([get('/locales'), get('/me'), get('/me/export')]);
      data = { view: {
        locales: viewsLib.localeOptions(locales),
        current: me.locale,
        dir: me.dir === 'rtl' ? 'rtl' : 'ltr',
        consents: ((mine && mine.consents) || []).filter((item) => !item.withdrawn_at).map((item) => ({
          purpose: item.purpose, label: item.label || '', withdrawLabel: item.withdraw_label || '' })),
      } };
      state.data = data;
      // As pages/settings does: the consents journey when the server has one (404: none).
      const result = await call('GET', `/api/v1/flows/${flow}`);
      if (result.status === 404) {
        render();
        return null;
      }
      const doc = screenLib.screenFromBody(result.data);
      if (!doc) {
        throw failure(result);
      }
      return doc;
    }
    state.data = data;
    render();
    return null;
  }

  // pages/<page>/<page>.wxml: the page (direction from the server), the error banner, its content.
  function render() {
    const doc = state.doc;
    const shown = state.data && state.data.view;
    const serverDir = shown ? shown.dir : doc && doc.dir;
    const dir = serverDir === 'rtl' ? 'rtl' : 'ltr';
    const page = view(`page ${dir}`);
    page.style.direction = dir;
    if (state.error) {
      const banner = view('banner-error', state.error);
      banner.setAttribute('role', 'alert');
      page.appendChild(banner);
    }
    if (PAGES[pageName]) {
      if (shown) {
        PAGES[pageName](page, shown);
      }
    } else if (doc) {
      page.appendChild(screenNode(screenLib.viewModel(doc, state.values)));
    }
    if (pageName !== 'verify' && pageName !== 'index') {
      page.appendChild(navNode(pageName === 'guide' ? 'guides' : pageName, dir));
    }
    frame.replaceChildren(page);
    const names = texts().nav;
    const title = (shown && shown.title) || (doc && doc.title) || names[pageName] || '';
    navbar.textContent = pageName === 'card' && !(shown && shown.title) && shown && shown.status ? shown.status.name : title;
    navbar.dir = dir;
    state.renders += 1;
    frame.dataset.page = pageName;
    frame.dataset.step = doc && pageName !== 'settings' ? doc.step : (shown ? pageName : '');
    frame.dataset.busy = state.busy ? '1' : '';
    frame.dataset.renders = String(state.renders);
    markOverflow();
  }

  // Elements that clip their content: where text must stay inside.
  function clips(element) {
    const style = getComputedStyle(element);
    return style.overflowX !== 'visible' || style.overflowY !== 'visible';
  }

  // Text the design cuts on purpose with an ellipsis (the navigation's labels, whose full names
  // are their aria-labels): not an overflow.
  function ellipsised(element) {
    const style = getComputedStyle(element);
    return style.textOverflow === 'ellipsis' && style.overflowX !== 'visible';
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
      if (!text.textContent.trim() || ellipsised(text.parentElement)) {
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
    const clientTexts = await call('GET', '/api/v1/client-texts');
    if (clientTexts.status === 200) {
      state.texts = clientTexts.data;
    }
    return pageName === 'verify' ? flowCall('GET') : loadPage();
  });
}());
