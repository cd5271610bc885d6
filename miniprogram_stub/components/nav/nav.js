// The bottom navigation: icons, labelled with the titles the server gave each page once visited.
const auth = require('../../lib/auth');
const kit = require('../../lib/pagekit');
const { sessionFrom } = require('../../lib/helpdesk');

// Icons only: the stub ships no words; labels come from the server's page titles.
const ITEMS = [
  { key: 'verify', icon: '🛂', url: '/pages/verify/verify' },
  { key: 'card', icon: '💳', url: '/pages/card/card' },
  { key: 'qr', icon: '🔳', url: '/pages/qr/qr' },
  { key: 'notices', icon: '🔔', url: '/pages/notices/notices' },
  { key: 'guides', icon: '📘', url: '/pages/guides/guides' },
  { key: 'settings', icon: '⚙️', url: '/pages/settings/settings' },
];

Component({
  options: { addGlobalClass: true },

  properties: {
    current: { type: String, value: '' },
    dir: { type: String, value: 'ltr' },
  },

  data: { items: [], sessionFrom: '' },

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
      const titles = kit.rememberedTitles();
      const session = auth.currentSession();
      this.setData({
        items: ITEMS.map((item) => Object.assign({}, item, {
          label: titles[item.key] || '',
          active: item.key === this.data.current,
        })),
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
