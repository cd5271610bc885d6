// The bottom navigation: an icon per destination, named by the server (client texts, `nav`).
const auth = require('../../lib/auth');
const texts = require('../../lib/texts');
const { sessionFrom } = require('../../lib/helpdesk');

// Icons only: the stub ships no words; each label comes from the server's `nav` texts.
const ITEMS = [
  { key: 'verify', icon: '/assets/icons/verify.svg', url: '/pages/verify/verify' },
  { key: 'card', icon: '/assets/icons/card.svg', url: '/pages/card/card' },
  { key: 'qr', icon: '/assets/icons/qr.svg', url: '/pages/qr/qr' },
  { key: 'notices', icon: '/assets/icons/bell.svg', url: '/pages/notices/notices' },
  { key: 'guides', icon: '/assets/icons/guide.svg', url: '/pages/guides/guides' },
  { key: 'settings', icon: '/assets/icons/settings.svg', url: '/pages/settings/settings' },
];

Component({
  options: { addGlobalClass: true },

  properties: {
    current: { type: String, value: '' },
    dir: { type: String, value: 'ltr' },
    // The page's locale, when it can change while the page is open (the journey's language step).
    locale: { type: String, value: '' },
  },

  data: { items: [], helpDesk: '', sessionFrom: '' },

  observers: {
    locale() {
      this.refresh();
    },
  },

  lifetimes: {
    attached() {
      this.refresh();
    },
  },

  pageLifetimes: {
    show() {
      this.refresh();
    },
  },

  methods: {
    refresh() {
      this.show(texts.current());
      texts.load().then((doc) => this.show(doc));
    },

    show(doc) {
      const session = auth.currentSession();
      this.setData({
        items: ITEMS.map((item) => Object.assign({}, item, {
          label: doc.nav[item.key] || '',
          active: item.key === this.data.current,
        })),
        helpDesk: doc.nav.help_desk || '',
        // The help desk learns where the chat started and in which language.
        sessionFrom: sessionFrom(this.data.current, session && session.locale),
      });
    },

    onTap(event) {
      const { url, key } = event.currentTarget.dataset;
      if (key !== this.data.current) {
        wx.redirectTo({ url });
      }
    },
  },
});
