// The notices inbox: newest first, unread in bold; opening a notice marks it read.
const api = require('../../lib/api');
const kit = require('../../lib/pagekit');
const views = require('../../lib/views');
const { subscribe } = require('../../lib/subscribe');

Page({
  data: { view: null, open: null, loading: true, error: null, dir: 'ltr', subscribed: false },

  onLoad() {
    this.load();
  },

  onPullDownRefresh() {
    this.load();
  },

  async load() {
    const body = await kit.loadInto(this, () => api.notices());
    if (body) {
      const view = views.noticesView(body);
      kit.useTitle('notices', view.title);
      this.setData({ view, dir: view.dir });
    }
  },

  onReachBottom() {
    if (this.data.view && this.data.view.nextPage && !this.loadingMore) {
      this.loadMore();
    }
  },

  async loadMore() {
    this.loadingMore = true;
    try {
      const body = await api.notices({ page: this.data.view.nextPage });
      const next = views.noticesView(body);
      next.items = this.data.view.items.concat(next.items);
      this.setData({ view: next });
    } catch (err) {
      this.setData({ error: kit.errorView(err) });
    } finally {
      this.loadingMore = false;
    }
  },

  async onOpen(event) {
    const index = Number(event.currentTarget.dataset.index);
    const item = this.data.view.items[index];
    this.setData({ open: this.data.open === index ? null : index });
    if (item && !item.read) {
      try {
        await api.readNotice(item.id);
        this.setData({ [`view.items[${index}].read`]: true, 'view.unread': Math.max(0, this.data.view.unread - 1) });
      } catch (err) {
        this.setData({ error: kit.errorView(err) });
      }
    }
  },

  onSource(event) {
    // Official sources open outside the mini program: copy the address for the browser.
    wx.setClipboardData({ data: event.currentTarget.dataset.url });
  },

  // Must run from the user's tap: WeChat shows its own (translated) subscription popup.
  async onSubscribe() {
    try {
      const result = await subscribe();
      this.setData({ subscribed: result.reported });
    } catch (err) {
      this.setData({ error: kit.errorView(err) });
    }
  },
});
