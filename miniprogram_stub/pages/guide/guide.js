// One guide, page by page, rendered by the screen component from the server's documents.
const api = require('../../lib/api');
const kit = require('../../lib/pagekit');
const { guideMove } = require('../../lib/screen');

Page({
  data: { doc: null, slug: '', page: '', loading: true, error: null, dir: 'ltr' },

  onLoad(query) {
    this.setData({ slug: (query && query.slug) || '', page: (query && query.page) || '' });
    this.load();
  },

  onPullDownRefresh() {
    this.load();
  },

  async load() {
    const doc = await kit.loadInto(this, () => api.guide(this.data.slug, this.data.page));
    if (doc) {
      if (typeof wx.setNavigationBarTitle === 'function' && doc.title) {
        wx.setNavigationBarTitle({ title: doc.title });
      }
      this.setData({ doc, dir: doc.dir === 'rtl' ? 'rtl' : 'ltr' });
    }
  },

  // A guide is read-only: Continue and Back move between its pages; Done closes it.
  onAction(event) {
    const move = guideMove(this.data.doc, event.detail.payload.action);
    if (move.close) {
      // Opened from a search result or a shared link, the guide is the first page: go to the list.
      if (getCurrentPages().length > 1) {
        wx.navigateBack();
      } else {
        wx.redirectTo({ url: '/pages/guides/guides' });
      }
    } else {
      this.setData({ page: move.page });
      this.load();
      wx.pageScrollTo({ scrollTop: 0, duration: 0 });
    }
  },

  onNavigate(event) {
    wx.navigateTo({ url: event.detail.url });
  },
});
