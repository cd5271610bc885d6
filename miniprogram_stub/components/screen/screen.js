// The generic screen renderer: shows any screen document and reports the user's action.
const config = require('../../lib/config');
const emulator = require('../../lib/emulator');
const privacy = require('../../lib/privacy');
const screen = require('../../lib/screen');
const phone = require('../../lib/phone');
const texts = require('../../lib/texts');

Component({
  options: { addGlobalClass: true },

  properties: {
    // A screen document as the server sent it (docs/architecture.md, "Screen documents").
    doc: { type: Object, value: null },
    // True while a submission is on its way: buttons are disabled to stop double submits.
    busy: { type: Boolean, value: false },
  },

  // privacyNote: what refusing WeChat's privacy guide means on the phone step (the server's words).
  // changeIcon: the name of the pencil shown when a change link has no label of its own.
  data: { vm: null, privacyNote: '', changeIcon: '' },

  lifetimes: {
    attached() {
      this.setData({ changeIcon: texts.current().icons.change });
    },
  },

  observers: {
    doc(doc) {
      if (!doc) {
        this.setData({ vm: null });
        return;
      }
      // Kept outside `data` so typing does not re-render the inputs on every key.
      this.values = screen.initialValues(doc);
      this.setData({ vm: screen.viewModel(doc, this.values), privacyNote: '' });
    },
  },

  methods: {
    fieldOf(name) {
      return ((this.data.doc && this.data.doc.fields) || []).find((field) => field.name === name);
    },

    // Text and date: remember the value; nothing on screen changes.
    onInput(event) {
      const name = event.currentTarget.dataset.name;
      const field = this.fieldOf(name);
      if (field) {
        this.values[name] = screen.valueFromEvent(field, event.detail.value);
        if (screen.fieldKind(field) === 'date') {
          this.setData({ vm: screen.viewModel(this.data.doc, this.values) });
        }
      }
    },

    // Radio buttons and checkboxes: remember the value and re-render the ticks.
    onChoice(event) {
      this.onInput(event);
      this.setData({ vm: screen.viewModel(this.data.doc, this.values) });
    },

    onAction(event) {
      if (this.data.busy) {
        return;
      }
      const name = event.currentTarget.dataset.action;
      const url = event.currentTarget.dataset.url;
      if (url) {
        this.triggerEvent('navigate', { url });
        return;
      }
      this.triggerEvent('action', { payload: screen.submission(this.data.doc, name, this.values) });
    },

    onChange(event) {
      if (this.data.busy) {
        return;
      }
      const field = event.currentTarget.dataset.field;
      this.triggerEvent('action', { payload: screen.changeSubmission(this.data.doc, field) });
    },

    // getPhoneNumber: the one-time code is submitted right away as the phone field's answer.
    // WeChat held the button until the user answered its privacy pop-up; refused, nothing is
    // sent and the screen says what that means (the service point stays open through Back).
    // Without a code otherwise (the user declined) the empty answer goes anyway, so the server's
    // own message says what to do.
    async onPhone(event) {
      if (this.data.busy) {
        return;
      }
      if (privacy.isRefusal(event && event.detail)) {
        this.setData({ privacyNote: (await texts.load()).privacy.refused_phone });
        return;
      }
      this.setData({ privacyNote: '' });
      let phoneEvent = event;
      const settings = config.get();
      if (config.usesEmulator() && settings.emulatorPhone) {
        // Development against the emulator: DevTools' own code would mean nothing to it.
        phoneEvent = { detail: { code: await emulator.phoneCode(settings.emulatorPhone) } };
      }
      const payload = phone.phoneSubmission(this.data.doc, phoneEvent, this.values)
        || screen.submission(this.data.doc, null, this.values);
      this.triggerEvent('action', { payload });
    },

    // A tap on an error in the summary scrolls to its field.
    onErrorTap(event) {
      const anchor = event.currentTarget.dataset.anchor;
      if (!anchor) {
        return;
      }
      this.createSelectorQuery()
        .select(`#${anchor}`)
        .boundingClientRect()
        .selectViewport()
        .scrollOffset()
        .exec((rects) => {
          if (rects && rects[0] && rects[1]) {
            wx.pageScrollTo({ scrollTop: rects[0].top + rects[1].scrollTop - 16, duration: 200 });
          }
        });
    },
  },
});
