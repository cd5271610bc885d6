// The notices inbox: newest first, unread in bold; opening a notice marks it read.
const api = require('../../lib/api');
const kit = require('../../lib/pagekit');
const privacy = require('../../lib/privacy');
const texts = require('../../lib/texts');
const views = require('../../lib/views');
const { subscribe } = require('../../lib/subscribe');

Page({
  // icons: the server's names of the bell button (client texts); refused: the source address the
  // user would not let the clipboard take, with what that means.
  data: { view: null, open: null, loading: true, error: null, dir: 'ltr', subscribed: false, icons: {}, refused: null },

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
    const body = await kit.loadInto(this, () => api.notices());
    if (body) {
      const view = views.noticesView(body);
      kit.useTitle(view.title, 'notices');
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

  // Official sources open outside the mini program: copy the address for the browser. The
  // clipboard is a privacy interface: it waits for the user's agreement to the privacy guide;
  // refused, the address is shown to copy by hand, with what refusing means.
  async onSource(event) {
    const url = event.currentTarget.dataset.url;
    const result = await privacy.copyText(url);
    if (result.refused) {
      this.setData({ refused: { url, message: (await texts.load()).privacy.refused_clipboard } });
    } else {
      this.setData({ refused: null });
    }
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
