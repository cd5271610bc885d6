// The card: status with the official Chinese term, holder and masked numbers.
const api = require('../../lib/api');
const kit = require('../../lib/pagekit');
const texts = require('../../lib/texts');
const views = require('../../lib/views');

Page({
  // names: the server's names of the shortcuts (client texts, `nav`).
  data: { view: null, loading: true, error: null, dir: 'ltr', names: {}, needsVerification: false },

  onLoad() {
    this.load();
  },

  onShow() {
    this.setData({ names: texts.current().nav });
    texts.load().then((doc) => this.setData({ names: doc.nav }));
  },

  onPullDownRefresh() {
    this.load();
  },

  async load() {
    const body = await kit.loadInto(this, () => api.card());
    if (body) {
      const view = views.cardView(body);
      kit.useTitle(view.title || (view.status && view.status.name), 'card');
      this.setData({ view, dir: view.dir });
    } else if (this.data.error && this.data.error.code === 'card.not_verified') {
      // Not verified yet: the server's message is shown; a tap on it opens the journey.
      this.setData({ needsVerification: true });
    }
  },

  onErrorTap() {
    if (this.data.needsVerification) {
      wx.redirectTo({ url: '/pages/verify/verify' });
    } else {
      this.load();
    }
  },

  open(event) {
    wx.navigateTo({ url: event.currentTarget.dataset.url });
  },
});
