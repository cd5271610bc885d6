// The guides: a list from the server; each opens as a screen document.
const api = require('../../lib/api');
const kit = require('../../lib/pagekit');
const { direction } = require('../../lib/screen');

/** The guides of a list response, whatever the server wraps them in. */
function guidesOf(body) {
  if (Array.isArray(body)) {
    return body;
  }
  return (body && (body.guides || body.items)) || [];
}

Page({
  data: { guides: [], title: '', loading: true, error: null, dir: 'ltr' },

  onLoad() {
    this.load();
  },

  onPullDownRefresh() {
    this.load();
  },

  async load() {
    const body = await kit.loadInto(this, () => api.guides());
    if (body) {
      kit.useTitle(body.title, 'guides');
      this.setData({
        title: body.title || '',
        dir: direction(body),
        guides: guidesOf(body).map((guide) => ({
          slug: guide.slug,
          title: guide.title || '',
          summary: guide.summary || guide.description || '',
        })),
      });
    }
  },

  open(event) {
    wx.navigateTo({ url: `/pages/guide/guide?slug=${encodeURIComponent(event.currentTarget.dataset.slug)}` });
  },
});
