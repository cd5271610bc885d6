// SSC Bridge mini program: a thin renderer; every text it shows comes from the backend.
const config = require('./lib/config');
const privacy = require('./lib/privacy');
const texts = require('./lib/texts');
const { watchForUpdates } = require('./lib/update');

App({
  onLaunch() {
    // The backend of the version WeChat runs (develop, trial or release)…
    config.useEnvironment();
    // …unless a third-party platform build carries its address in ext.json.
    try {
      const ext = wx.getExtConfigSync ? wx.getExtConfigSync() : null;
      if (ext && ext.baseUrl) {
        // Its other settings apply too, but never the version: that is WeChat's to say.
        const { env, backends, ...settings } = ext;
        config.configure(settings);
      }
    } catch (err) {
      // No ext config: lib/config.js holds the address.
    }
    if (!config.get().baseUrl) {
      console.error(`No backend address for the ${config.get().env} version: set backends.${config.get().env} in lib/config.js`);
    }
    // WeChat's privacy gate asks through this listener before the phone button or the clipboard.
    privacy.install();
    // The privacy pop-up, the update dialog and the icon names in the user's language.
    texts.load();
    watchForUpdates();
  },
});
