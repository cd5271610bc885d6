// The identity QR: a fresh single-use code every 60 seconds while the page is on screen.
const api = require('../../lib/api');
const config = require('../../lib/config');
const kit = require('../../lib/pagekit');
const { startQrRefresh, imageSrc } = require('../../lib/qr');

Page({
  data: { image: '', hint: '', error: null, dir: 'ltr', loading: true },

  onShow() {
    wx.setKeepScreenOn({ keepScreenOn: true });
    this.setData({ dir: kit.currentDirection() });
    this.refresher = startQrRefresh({
      fetch: () => api.qr(),
      seconds: config.get().qrRefreshSeconds,
      onUpdate: (body) => {
        this.setData({ image: imageSrc(body.image), hint: body.hint || '', error: null, loading: false, dir: body.dir === 'rtl' ? 'rtl' : 'ltr' });
      },
      onError: (err) => {
        // An old code must not stay on screen once a new one cannot be fetched.
        this.setData({ image: '', error: kit.errorView(err), loading: false });
      },
    });
  },

  onHide() {
    this.stop();
  },

  onUnload() {
    this.stop();
  },

  stop() {
    if (this.refresher) {
      this.refresher.stop();
      this.refresher = null;
    }
    wx.setKeepScreenOn({ keepScreenOn: false });
  },

  onRefresh() {
    if (this.refresher) {
      this.refresher.refreshNow();
    }
  },
});
