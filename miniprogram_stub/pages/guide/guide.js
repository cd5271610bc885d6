// One guide, rendered by the screen component from the server's document.
const api = require('../../lib/api');
const kit = require('../../lib/pagekit');

Page({
  data: { doc: null, slug: '', loading: true, error: null, dir: 'ltr' },

  onLoad(query) {
    this.setData({ slug: (query && query.slug) || '' });
    this.load();
  },

  onPullDownRefresh() {
    this.load();
  },

  async load() {
    const doc = await kit.loadInto(this, () => api.guide(this.data.slug));
    if (doc) {
      if (typeof wx.setNavigationBarTitle === 'function' && doc.title) {
        wx.setNavigationBarTitle({ title: doc.title });
      }
      this.setData({ doc, dir: doc.dir === 'rtl' ? 'rtl' : 'ltr' });
    }
  },

  // A guide's actions are links: to another guide, or to a page of the mini program.
  onAction(event) {
    const { action } = event.detail.payload;
    if (action === 'back') {
      wx.navigateBack();
    }
  },

  onNavigate(event) {
    wx.navigateTo({ url: event.detail.url });
  },
});
