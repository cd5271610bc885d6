// The privacy pop-up WeChat requires before a privacy interface: the server's words, the guide
// one tap away, agree (WeChat's agreePrivacyAuthorization button) or disagree.
const privacy = require('../../lib/privacy');
const texts = require('../../lib/texts');

// The id of the template's agree button: WeChat checks it was tapped before the interface goes on.
const AGREE_BUTTON_ID = 'ssc-privacy-agree';

Component({
  options: { addGlobalClass: true },

  data: { show: false, texts: null, dir: 'ltr', contractName: '' },

  lifetimes: {
    attached() {
      privacy.register(this);
    },
    detached() {
      privacy.unregister(this);
    },
  },

  pageLifetimes: {
    // The page on screen owns the pop-up WeChat's request opens.
    show() {
      privacy.register(this);
    },
  },

  methods: {
    /** Show the pop-up (WeChat is holding `referrer`, e.g. "button.getPhoneNumber"). */
    open() {
      this.showTexts(texts.current());
      privacy.exposed();
      texts.load().then((doc) => this.showTexts(doc));
      privacy.setting().then(({ contractName }) => this.setData({ contractName }));
    },

    showTexts(doc) {
      this.setData({ show: true, texts: doc.privacy, dir: doc.dir === 'rtl' ? 'rtl' : 'ltr' });
    },

    // bindagreeprivacyauthorization: WeChat recorded the tap on the agree button.
    onAgree() {
      this.setData({ show: false });
      privacy.agree(AGREE_BUTTON_ID);
    },

    onDisagree() {
      this.setData({ show: false });
      privacy.disagree();
    },

    onGuide() {
      privacy.openContract();
    },

    // The mask keeps the page behind it still.
    onMaskMove() {},
  },
});
