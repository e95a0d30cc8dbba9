/**
 * Mail providers where anyone can open a mailbox: an address there identifies nobody except
 * through an exact contact address, and no tenant may verify one of these domains.
 *
 * Every entry is a registrable domain (a test checks it). Subdomains count as the provider too.
 */
export const FREE_MAIL_DOMAINS: ReadonlySet<string> = new Set([
  // Google
  'gmail.com', 'googlemail.com',
  // Microsoft consumer mail (hotmail.* and outlook.* are covered by FREE_MAIL_BRANDS)
  'msn.com', 'passport.com', 'windowslive.com',
  'live.com', 'live.at', 'live.be', 'live.ca', 'live.ch', 'live.cl', 'live.cn', 'live.co.uk',
  'live.co.za', 'live.com.ar', 'live.com.au', 'live.com.mx', 'live.com.pt', 'live.de', 'live.dk',
  'live.fi', 'live.fr', 'live.hk', 'live.ie', 'live.in', 'live.it', 'live.jp', 'live.nl', 'live.no',
  'live.ru', 'live.se',
  // Yahoo (yahoo.* is a brand below)
  'ymail.com', 'rocketmail.com',
  // Apple
  'icloud.com', 'me.com', 'mac.com',
  // AOL / Verizon and US ISPs
  'aol.com', 'aim.com', 'verizon.net', 'comcast.net', 'att.net', 'sbcglobal.net', 'bellsouth.net',
  'cox.net', 'charter.net', 'earthlink.net', 'optonline.net', 'juno.com',
  // Proton, Tuta, Fastmail, Zoho, others worldwide
  'proton.me', 'protonmail.com', 'protonmail.ch', 'pm.me',
  'tutanota.com', 'tutanota.de', 'tutamail.com', 'tuta.io', 'tuta.com',
  'fastmail.com', 'fastmail.fm', 'zoho.com', 'zohomail.com', 'zohomail.eu',
  'mail.com', 'email.com', 'usa.com', 'hey.com', 'hushmail.com', 'lycos.com', 'inbox.com',
  // Germany, Austria, Switzerland
  'web.de', 't-online.de', 'freenet.de', 'arcor.de', 'posteo.de', 'mailbox.org', 'online.de',
  'bluewin.ch',
  // France, Belgium
  'orange.fr', 'wanadoo.fr', 'free.fr', 'laposte.net', 'sfr.fr', 'neuf.fr', 'skynet.be', 'telenet.be',
  // Italy, Spain, Portugal
  'libero.it', 'virgilio.it', 'tiscali.it', 'alice.it', 'tin.it', 'email.it', 'terra.es', 'sapo.pt',
  // United Kingdom, Ireland
  'btinternet.com', 'sky.com', 'virginmedia.com', 'ntlworld.com', 'talktalk.net', 'blueyonder.co.uk',
  'eircom.net',
  // Netherlands, Nordics
  'ziggo.nl', 'kpnmail.nl', 'home.nl', 'planet.nl',
  // Central and Eastern Europe
  'seznam.cz', 'centrum.cz', 'atlas.cz', 'wp.pl', 'o2.pl', 'interia.pl', 'onet.pl', 'op.pl',
  'gazeta.pl', 'freemail.hu', 'citromail.hu', 'abv.bg', 'ukr.net', 'i.ua', 'meta.ua',
  // Russia
  'mail.ru', 'bk.ru', 'inbox.ru', 'list.ru', 'internet.ru', 'rambler.ru', 'ya.ru',
  // China, Korea, Japan, India
  'qq.com', 'foxmail.com', '163.com', '126.com', 'yeah.net', 'sina.com', 'sina.cn', 'sohu.com',
  'aliyun.com', '139.com', '189.cn', 'naver.com', 'daum.net', 'hanmail.net', 'nate.com',
  'docomo.ne.jp', 'ezweb.ne.jp', 'softbank.ne.jp', 'rediffmail.com',
  // Americas, Oceania
  'uol.com.br', 'bol.com.br', 'terra.com.br', 'ig.com.br', 'prodigy.net.mx', 'shaw.ca',
  'rogers.com', 'sympatico.ca', 'bigpond.com', 'bigpond.net.au', 'optusnet.com.au', 'xtra.co.nz',
]);

/**
 * Brands whose every registrable domain is the free-mail service, whatever the public suffix:
 * `hotmail.co.uk`, `yahoo.co.jp`, `gmx.at`, `yandex.com.tr`, `outlook.de`, ...
 * Only distinctive brand names belong here (`live` or `mail` would catch unrelated companies).
 */
export const FREE_MAIL_BRANDS: ReadonlySet<string> = new Set(['hotmail', 'outlook', 'yahoo', 'gmx', 'yandex']);
