// Moves the token the development issuer put into this page into sessionStorage (this tab only),
// then opens the inbox. Kept out of the page itself: the Content-Security-Policy allows no inline script.
'use strict';
(function () {
  var meta = document.querySelector('meta[name="inbox-token"]');
  var token = meta ? meta.getAttribute('content') : '';
  if (token) sessionStorage.setItem('inbox.token', token);
  if (meta) meta.setAttribute('content', '');
  location.replace('/inbox');
})();
