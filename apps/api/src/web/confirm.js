// The confirmation page of a notification recipient's link: the token goes to the API only when
// the button is pressed, and the answer shown is "confirmed" or "this link is not valid".
'use strict';
(function () {
  document.addEventListener('DOMContentLoaded', function () {
    var token = new URLSearchParams(location.search).get('token') || '';
    // the token stays out of the address bar, the history and any later referrer
    history.replaceState(null, '', location.pathname);
    var button = document.getElementById('confirm-button');
    var result = document.getElementById('confirm-result');
    function show(text, ok) {
      result.textContent = text;
      result.className = ok ? 'ok' : 'error';
      result.hidden = false;
    }
    button.addEventListener('click', function () {
      button.disabled = true;
      fetch('/v1/notificationRecipients/confirm', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ token: token.slice(0, 200) }),
        credentials: 'omit',
        cache: 'no-store',
      })
        .then(function (res) {
          if (res.ok) show('Confirmed. This address will receive the data-privacy notifications.', true);
          else show('This link is not valid.', false);
        })
        .catch(function () {
          button.disabled = false;
          show('The service could not be reached. Please try again.', false);
        });
    });
  });
})();
