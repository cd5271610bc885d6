// The five insurances: status, start period and any bilateral-agreement exemption.
const api = require('../../lib/api');
const kit = require('../../lib/pagekit');
const views = require('../../lib/views');

Page({
  data: { view: null, loading: true, error: null, dir: 'ltr' },

  onLoad() {
    this.load();
  },

  onPullDownRefresh() {
    this.load();
  },

  async load() {
    const body = await kit.loadInto(this, () => api.insurances());
    if (body) {
      const view = views.insurancesView(body);
      kit.useTitle(view.title, 'insurances');
      this.setData({ view, dir: view.dir });
    }
  },

  openGuide() {
    wx.navigateTo({ url: `/pages/guide/guide?slug=${encodeURIComponent(this.data.view.guide)}` });
  },
});
