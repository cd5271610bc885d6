// Contributions by year: months of records, totals, gaps and arrears; more rows as the user scrolls.
const api = require('../../lib/api');
const kit = require('../../lib/pagekit');
const views = require('../../lib/views');

Page({
  data: { view: null, loading: true, error: null, dir: 'ltr', yearIndex: 0, more: false },

  onLoad(query) {
    this.loadYear(query && query.year ? Number(query.year) : null);
  },

  onPullDownRefresh() {
    this.loadYear(this.data.view ? this.data.view.year : null);
  },

  // Scrolling to the end loads the next page (cursor pagination), so no "more" button text is needed.
  onReachBottom() {
    if (this.data.view && this.data.view.nextCursor && !this.loadingMore) {
      this.loadMore();
    }
  },

  async loadYear(year) {
    const body = await kit.loadInto(this, () => api.contributions(year ? { year } : {}));
    if (body) {
      this.show(views.contributionsView(body, null));
    }
  },

  async loadMore() {
    this.loadingMore = true;
    const { view } = this.data;
    try {
      const body = await api.contributions({ year: view.year, cursor: view.nextCursor });
      this.show(views.contributionsView(body, view));
    } catch (err) {
      this.setData({ error: kit.errorView(err) });
    } finally {
      this.loadingMore = false;
    }
  },

  show(view) {
    kit.useTitle(view.title, 'contributions');
    this.setData({ view, dir: view.dir, yearIndex: Math.max(0, view.years.indexOf(view.year)), more: Boolean(view.nextCursor) });
  },

  onYear(event) {
    const year = this.data.view.years[Number(event.detail.value)];
    if (year && year !== this.data.view.year) {
      this.loadYear(year);
    }
  },
});
