// consent.js — rekisteri's consent manager for the company's own website, served as
// /consent.js with the declaration's cookies: section inside (src/http/consent_script.c)
// and included with one tag: <script src="https://REKISTERI/consent.js" defer></script>.
// It keeps the scripts and iframes marked data-rk-category blocked until the visitor
// consents to their category, tells Google Consent Mode v2, keeps the choice in the
// rk_consent cookie and records every choice at <this script's origin>/consent/log.
// Plain ES2017, no dependencies, no eval, no inline style: docs/cookies.md "On the website".
// Full-line comments and indentation are stripped when it is embedded (embed_consent.cmake).
(function () {
  'use strict';
  var C = __RK_CONFIG__, V = '__RK_VERSION__';
  var W = window, D = document, N = navigator, me = D.currentScript;
  // Included twice: the first one stays in charge.
  if (W.rekisteri && W.rekisteri.consent) return;
  var O = me && me.src ? new URL(me.src).origin : location.origin;
  var L = /^fi/i.test(D.documentElement.lang) ? 'fi' : 'en';
  var T = L == 'fi' ? {
    h: 'Evästeet',
    p: ' käyttää välttämättömiä evästeitä sivuston toimintaan. Muita evästeitä käytetään vain, jos annat siihen suostumuksesi. Voit muuttaa valintaasi milloin tahansa evästeasetuksista.',
    acc: 'Hyväksy kaikki', rej: 'Hylkää kaikki', set: 'Asetukset',
    sh: 'Evästeasetukset', sp: 'Valitse, mihin tarkoituksiin sallit evästeet. Välttämättömät evästeet ovat aina käytössä.',
    gpc: 'Selaimesi lähettää Global Privacy Control -signaalin, joten muut kuin välttämättömät evästeet ovat pois käytöstä, kunnes sallit ne.',
    ven: 'Palvelut', ck: 'evästeet', save: 'Tallenna valinnat', close: 'Sulje',
    priv: 'Tietosuojaseloste', id: 'Valintasi tunnus: '
  } : {
    h: 'Cookies',
    p: ' uses strictly necessary cookies to run the site. Other cookies are used only if you consent to them. You can change your choice at any time in the cookie settings.',
    acc: 'Accept all', rej: 'Reject all', set: 'Settings',
    sh: 'Cookie settings', sp: 'Choose the purposes for which you allow cookies. Strictly necessary cookies are always on.',
    gpc: 'Your browser sends Global Privacy Control, so cookies other than strictly necessary ones are off until you allow them.',
    ven: 'Services', ck: 'cookies', save: 'Save choices', close: 'Close',
    priv: 'Privacy notice', id: 'Your consent id: '
  };
  var cats = C.categories, opt = cats.filter(function (c) { return !c.essential; });
  var GPC = N.globalPrivacyControl === true;
  var SIG = ['ad_storage', 'analytics_storage', 'ad_user_data', 'ad_personalization'];
  // cur: the categories granted now, null before any choice under this version.
  var cur = null, ID = '', ban = null, dlg = null, boxes = {}, back = null, ready = false, asked = false;

  // Google Consent Mode v2: everything denied until a choice says otherwise (an essential
  // category's signals are granted with the first update).
  W.dataLayer = W.dataLayer || [];
  if (typeof W.gtag != 'function') W.gtag = function () { W.dataLayer.push(arguments); };
  function signals(g, wait) {
    var s = {};
    SIG.forEach(function (k) { s[k] = 'denied'; });
    cats.forEach(function (c) {
      if (g.includes(c.id) || (c.essential && !wait)) c.signals.forEach(function (k) { s[k] = 'granted'; });
    });
    if (wait) s.wait_for_update = 500;
    return s;
  }
  W.gtag('consent', 'default', signals([], 1));

  // The rk_consent cookie: VERSION.CONSENT_ID.cat+cat
  var m = /(?:^|;\s*)rk_consent=([0-9a-f]{16})\.([A-Za-z0-9_-]{22,64})\.([^;]*)/.exec(D.cookie);
  if (m) {
    ID = m[2];
    if (m[1] == V) cur = m[3] ? m[3].split('+').filter(function (id) {
      return opt.some(function (c) { return c.id == id; });
    }) : [];
  }
  if (!ID) {
    var r = crypto.getRandomValues(new Uint8Array(24)), a = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (var i = 0; i < r.length; i++) ID += a[r[i] & 63];
  }
  function save(g) {
    var v = C.validity, e = new Date(), n = new Date(e);
    if (v.unit == 'd') e.setDate(e.getDate() + v.n);
    else if (v.unit == 'y') e.setFullYear(e.getFullYear() + v.n);
    else e.setMonth(e.getMonth() + v.n);
    D.cookie = 'rk_consent=' + V + '.' + ID + '.' + g.join('+') + '; Path=/; Max-Age=' +
      Math.round((e - n) / 1000) + '; SameSite=Lax' + (location.protocol == 'https:' ? '; Secure' : '');
  }

  // Deletes the declared cookies of every category not in g, on this host and its parents.
  function purge(g) {
    var have = D.cookie.split(/;\s*/).map(function (kv) { return kv.split('=')[0]; });
    var h = location.hostname.split('.'), doms = [''];
    for (var i = 0; i < h.length - 1; i++) doms.push(h.slice(i).join('.'));
    opt.forEach(function (c) {
      if (g.includes(c.id)) return;
      c.vendors.forEach(function (v) {
        v.cookies.forEach(function (k) {
          var p = k.name.slice(-1) == '*' ? k.name.slice(0, -1) : null;
          have.forEach(function (n) {
            if (p != null ? n.indexOf(p) == 0 : n == k.name) doms.forEach(function (d) {
              D.cookie = n + '=; Max-Age=0; Path=/' + (d ? '; Domain=' + d : '');
            });
          });
        });
      });
    });
  }

  // Runs what the granted categories were holding back.
  function apply(g) {
    W.gtag('consent', 'update', signals(g));
    D.querySelectorAll('script[type="text/plain"][data-rk-category]').forEach(function (o) {
      if (!g.includes(o.getAttribute('data-rk-category'))) return;
      var s = D.createElement('script');
      for (var i = 0; i < o.attributes.length; i++)
        if (o.attributes[i].name != 'type') s.setAttribute(o.attributes[i].name, o.attributes[i].value);
      if (o.nonce) s.nonce = o.nonce;
      if (o.src) s.async = false;
      else s.text = o.text;
      o.replaceWith(s);
    });
    D.querySelectorAll('iframe[data-rk-src][data-rk-category]').forEach(function (f) {
      if (!g.includes(f.getAttribute('data-rk-category'))) return;
      f.src = f.getAttribute('data-rk-src');
      f.removeAttribute('data-rk-src');
    });
    W.dispatchEvent(new CustomEvent('rekisteri:consent', { detail: g.slice() }));
  }

  // A choice: stored, logged, applied. Taking a category back reloads the page so that
  // nothing of it keeps running.
  function choose(g) {
    var prev = cur, all = opt.every(function (c) { return g.includes(c.id); });
    var gone = prev ? prev.filter(function (id) { return !g.includes(id); }) : [];
    var act = gone.length && g.every(function (id) { return prev.includes(id); }) ? 'withdraw'
      : !g.length ? 'reject_all' : all ? 'accept_all' : 'custom';
    var body = { consent_id: ID, action: act, choices: {}, version: V, lang: L, gpc: GPC };
    opt.forEach(function (c) { body.choices[c.id] = g.includes(c.id); });
    cur = g;
    save(g);
    purge(g);
    var sent = fetch(O + '/consent/log', {
      method: 'POST', mode: 'cors', credentials: 'omit', keepalive: true,
      headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body)
    }).catch(function () {});
    if (ban) { ban.remove(); ban = null; }
    if (dlg && dlg.open) dlg.close();
    if (gone.length) sent.then(function () { location.reload(); });
    else apply(g);
  }

  function el(tag, at, kids) {
    var e = D.createElement(tag);
    for (var k in at) e.setAttribute(k, at[k]);
    (kids || []).forEach(function (x) { e.append(x); });
    return e;
  }
  function btn(text, fn, cls) {
    var b = el('button', { type: 'button', class: cls || 'rkc-a' }, [text]);
    b.addEventListener('click', fn);
    return b;
  }
  function acc() { choose(opt.map(function (c) { return c.id; })); }
  function rej() { choose([]); }

  // The settings: a modal <dialog> (focus kept inside, Esc closes, focus returns).
  function open() {
    if (!ready) { asked = true; return; }
    if (!dlg) {
      var list = cats.map(function (c) {
        var id = 'rkc-' + c.id, b = el('input', { type: 'checkbox', id: id, 'aria-describedby': id + '-p' });
        if (c.essential) { b.checked = true; b.disabled = true; }
        boxes[c.id] = b;
        var vs = c.vendors.map(function (v) {
          var t = v.name + (v.country_name ? ', ' + v.country_name[L] : '');
          if (v.cookies.length) t += ' — ' + T.ck + ': ' + v.cookies.map(function (k) {
            return k.name + ' (' + k.lifetime[L] + ')';
          }).join(', ');
          return el('li', {}, [t]);
        });
        return el('div', { class: 'rkc-cat' }, [
          el('label', { for: id }, [b, el('span', {}, [c.name[L]])]),
          el('p', { id: id + '-p' }, [c.purpose ? c.purpose[L] : '']),
          vs.length ? el('details', {}, [el('summary', {}, [T.ven + ' (' + vs.length + ')']), el('ul', {}, vs)]) : ''
        ]);
      });
      dlg = el('dialog', { class: 'rkc rkc-dlg', lang: L, 'aria-labelledby': 'rkc-dh', 'aria-modal': 'true' }, [
        btn(T.close, function () { dlg.close(); }, 'rkc-s rkc-x'),
        el('h2', { id: 'rkc-dh' }, [T.sh]),
        el('p', {}, [T.sp]),
        GPC ? el('p', {}, [T.gpc]) : ''
      ].concat(list, [
        el('div', { class: 'rkc-btns' }, [
          btn(T.save, function () {
            choose(opt.filter(function (c) { return boxes[c.id].checked; }).map(function (c) { return c.id; }));
          }, 'rkc-a rkc-p'),
          btn(T.acc, acc), btn(T.rej, rej)
        ]),
        el('p', { class: 'rkc-f' }, [el('a', { href: O + '/privacy?lang=' + L }, [T.priv]), ' · ' + T.id, el('code', {}, [ID])])
      ]));
      // Tab past the last control comes back to the first, and Shift+Tab the other way.
      dlg.addEventListener('keydown', function (e) {
        if (e.key != 'Tab') return;
        var f = dlg.querySelectorAll('button,input:not([disabled]),a[href],summary'), z = f[f.length - 1];
        if (e.shiftKey ? D.activeElement == f[0] : D.activeElement == z) {
          e.preventDefault();
          (e.shiftKey ? z : f[0]).focus();
        }
      });
      dlg.addEventListener('close', function () {
        if (back && back.isConnected) back.focus();
        else if (ban) ban.querySelector('button').focus();
      });
      D.body.append(dlg);
    }
    opt.forEach(function (c) { boxes[c.id].checked = !!cur && cur.includes(c.id); });
    if (!dlg.open) { back = D.activeElement; dlg.showModal(); }
  }

  function init() {
    if (cur) apply(cur);
    else if (GPC) choose([]);
    else {
      ban = el('div', { class: 'rkc rkc-ban', lang: L, role: 'region', 'aria-labelledby': 'rkc-bh' }, [
        el('div', {}, [
          el('h2', { id: 'rkc-bh' }, [T.h]),
          el('p', {}, [C.controller + T.p]),
          el('div', { class: 'rkc-btns' }, [btn(T.acc, acc), btn(T.rej, rej), btn(T.set, open, 'rkc-s')])
        ])
      ]);
      D.body.prepend(ban);
    }
    ready = true;
    D.addEventListener('click', function (e) {
      var t = e.target.closest && e.target.closest('[data-rk-consent-open]');
      if (t) { e.preventDefault(); open(); }
    });
    function hash() { if (location.hash == '#cookie-settings') open(); }
    W.addEventListener('hashchange', hash);
    if (asked) open();
    else hash();
  }

  W.rekisteri = W.rekisteri || {};
  W.rekisteri.consent = {
    open: open,
    granted: function (id) { return !!cur && cur.includes(id); },
    id: function () { return ID; },
    version: V
  };
  // The stylesheet first, so that nothing unstyled ever pushes the page.
  var css = el('link', { rel: 'stylesheet', href: O + '/consent.css' });
  css.onload = css.onerror = function () {
    if (D.readyState == 'loading') D.addEventListener('DOMContentLoaded', init);
    else init();
  };
  D.head.append(css);
})();
