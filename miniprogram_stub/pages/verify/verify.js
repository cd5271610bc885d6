// The verification journey: shows whatever screen the server sends and posts the user's actions.
const api = require('../../lib/api');
const auth = require('../../lib/auth');
const kit = require('../../lib/pagekit');

const FLOW = 'verify';
// docs/architecture.md, "The verification journey": the last step; its primary action opens the card.
const RESULT_STEP = 'result';

Page({
  data: { doc: null, busy: false, loading: true, error: null, dir: 'ltr' },

  onLoad() {
    this.load();
  },

  async load() {
    const doc = await kit.loadInto(this, () => api.flow(FLOW));
    if (doc) {
      this.show(doc);
    }
  },

  show(doc) {
    // The first screen may switch the language: keep the server's locale and direction (the
    // navigation follows through its `locale`).
    auth.rememberLocale(doc.locale, doc.dir);
    this.setData({ doc, dir: doc.dir === 'rtl' ? 'rtl' : 'ltr', error: null });
    kit.useTitle(doc.title, FLOW);
    wx.pageScrollTo({ scrollTop: 0, duration: 0 });
  },

  async onAction(event) {
    if (this.data.busy) {
      return;
    }
    if (this.data.doc && this.data.doc.step === RESULT_STEP) {
      // The last screen's button leads out of the journey, to the card.
      wx.reLaunch({ url: '/pages/card/card' });
      return;
    }
    this.setData({ busy: true });
    try {
      this.show(await api.submitFlow(FLOW, event.detail.payload));
    } catch (err) {
      this.setData({ error: kit.errorView(err) });
    } finally {
      this.setData({ busy: false });
    }
  },

  onNavigate(event) {
    wx.reLaunch({ url: event.detail.url });
  },

  onRetry() {
    this.load();
  },
});
