// The card: status with the official Chinese term, holder and masked numbers.
const api = require('../../lib/api');
const kit = require('../../lib/pagekit');
const views = require('../../lib/views');

Page({
  data: { view: null, loading: true, error: null, dir: 'ltr', titles: {}, needsVerification: false },

  onLoad() {
    this.load();
  },

  onShow() {
    this.setData({ titles: kit.rememberedTitles() });
  },

  onPullDownRefresh() {
    this.load();
  },

  async load() {
    const body = await kit.loadInto(this, () => api.card());
    if (body) {
      const view = views.cardView(body);
      kit.useTitle('card', view.title || (view.status && view.status.name));
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
