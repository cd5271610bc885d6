// The entry: sign in, then the card for a verified user or the verification journey otherwise.
const api = require('../../lib/api');
const kit = require('../../lib/pagekit');

Page({
  data: { loading: true, error: null, dir: 'ltr' },

  onLoad() {
    this.route();
  },

  onPullDownRefresh() {
    this.route();
  },

  async route() {
    const me = await kit.loadInto(this, () => api.me());
    if (me) {
      const verified = Boolean(me.user && me.user.verified);
      wx.redirectTo({ url: verified ? '/pages/card/card' : '/pages/verify/verify' });
    }
  },
});
