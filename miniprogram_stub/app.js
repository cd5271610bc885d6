// SSC Bridge mini program: a thin renderer; every text it shows comes from the backend.
const config = require('./lib/config');

App({
  onLaunch() {
    // A third-party platform build may carry the backend address in ext.json.
    try {
      const ext = wx.getExtConfigSync ? wx.getExtConfigSync() : null;
      if (ext && ext.baseUrl) {
        config.configure(ext);
      }
    } catch (err) {
      // No ext config: lib/config.js holds the address.
    }
  },
});
