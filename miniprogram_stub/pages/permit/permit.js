// The work permit: category, employer, position, place, validity and the on-site check.
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
    const body = await kit.loadInto(this, () => api.permit());
    if (body) {
      const view = views.permitView(body);
      kit.useTitle(view.title, 'permit');
      this.setData({ view, dir: view.dir });
    }
  },
});
