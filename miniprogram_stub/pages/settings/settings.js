// Settings: the language (from /api/v1/locales, saved on /api/v1/me) and consents.
const api = require('../../lib/api');
const auth = require('../../lib/auth');
const kit = require('../../lib/pagekit');
const texts = require('../../lib/texts');
const views = require('../../lib/views');

// Consents are a journey of their own on the server when it offers one (withdrawal included).
const CONSENT_FLOW = 'consents';

/** The purposes the user has consented to and not withdrawn, from the data export. */
function activeConsents(data) {
  return ((data && data.consents) || []).filter((item) => !item.withdrawn_at).map((item) => ({
    purpose: item.purpose,
    label: item.label || '',
    withdrawLabel: item.withdraw_label || '',
  }));
}

Page({
  // icons: the server's names of the icons that stand alone (client texts).
  data: { locales: [], current: '', consent: null, consents: [], notice: '', busy: false, loading: true, error: null, dir: 'ltr', icons: {} },

  onShow() {
    this.setData({ icons: texts.current().icons });
    texts.load().then((doc) => this.setData({ icons: doc.icons }));
  },

  onLoad() {
    this.load();
  },

  onPullDownRefresh() {
    this.load();
  },

  async load() {
    const loaded = await kit.loadInto(this, async () => {
      const [locales, me, mine] = await Promise.all([api.locales(), api.me(), api.myData()]);
      return { locales, me, mine };
    });
    if (!loaded) {
      return;
    }
    this.setData({
      locales: views.localeOptions(loaded.locales),
      current: loaded.me.locale,
      dir: loaded.me.dir === 'rtl' ? 'rtl' : 'ltr',
      consents: activeConsents(loaded.mine),
    });
    await this.loadConsents();
  },

  async loadConsents() {
    try {
      const doc = await api.flow(CONSENT_FLOW);
      this.setData({ consent: doc });
    } catch (err) {
      // No consent journey on this server: nothing to show.
      if (err.status !== 404) {
        this.setData({ error: kit.errorView(err) });
      }
    }
  },

  async onLocale(event) {
    const locale = event.detail.value;
    if (!locale || locale === this.data.current || this.data.busy) {
      return;
    }
    this.setData({ busy: true });
    try {
      const me = await api.updateMe({ locale });
      auth.rememberLocale(me.locale, me.dir);
      // The client texts are in the old language now.
      texts.forget();
      wx.reLaunch({ url: '/pages/settings/settings' });
    } catch (err) {
      this.setData({ error: kit.errorView(err), busy: false });
    }
  },

  // Withdraw a consent; the server says, in the user's language, what that did.
  async onWithdraw(event) {
    if (this.data.busy) {
      return;
    }
    this.setData({ busy: true });
    try {
      const result = await api.withdrawConsent(event.currentTarget.dataset.purpose);
      this.setData({ notice: result.message || '' });
      await this.load();
    } catch (err) {
      this.setData({ error: kit.errorView(err) });
    } finally {
      this.setData({ busy: false });
    }
  },

  async onConsentAction(event) {
    this.setData({ busy: true });
    try {
      this.setData({ consent: await api.submitFlow(CONSENT_FLOW, event.detail.payload) });
    } catch (err) {
      this.setData({ error: kit.errorView(err) });
    } finally {
      this.setData({ busy: false });
    }
  },
});
