// The message center page. Every value from the API goes into the page as text (textContent,
// attributes set through the DOM), never as markup; the one exception is the notice body, which
// is HTML rendered and escaped by the server's templates and is shown in a sandboxed iframe
// (no scripts, an opaque origin that cannot read this page or its token).
'use strict';
(function () {
  var API = '/v1/admin/serviceAnnouncement/messages';
  var HOOKS = '/v1/admin/webhooks';
  var TOKEN_KEY = 'inbox.token';
  var state = { messages: [], view: 'inbox', selected: null };

  function $(id) {
    return document.getElementById(id);
  }
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs)
      Object.keys(attrs).forEach(function (k) {
        if (k === 'text') node.textContent = attrs[k];
        else if (k === 'className') node.className = attrs[k];
        else node.setAttribute(k, attrs[k]);
      });
    (children || []).forEach(function (c) {
      if (c) node.appendChild(c);
    });
    return node;
  }
  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }
  function token() {
    return sessionStorage.getItem(TOKEN_KEY);
  }
  function formatDate(iso) {
    if (!iso) return '';
    var d = new Date(iso);
    return isNaN(d.getTime())
      ? ''
      : d.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
  }
  function showError(text) {
    var e = $('error');
    e.textContent = text || '';
    e.hidden = !text;
  }

  function api(path, options) {
    options = options || {};
    var headers = { Authorization: 'Bearer ' + token(), Accept: 'application/json' };
    if (options.body) headers['Content-Type'] = 'application/json';
    return fetch(path, {
      method: options.method || 'GET',
      headers: headers,
      body: options.body ? JSON.stringify(options.body) : undefined,
      credentials: 'omit',
      cache: 'no-store',
    }).then(function (res) {
      if (res.status === 401) {
        signOut();
        throw new Error('Your sign-in is no longer valid. Please sign in again.');
      }
      return res
        .json()
        .catch(function () {
          return {};
        })
        .then(function (body) {
          if (!res.ok)
            throw new Error((body && body.error && body.error.message) || 'request failed (' + res.status + ')');
          return body;
        });
    });
  }

  /** The payload of the token, for showing who is signed in (the server verifies it, not this). */
  function claims() {
    try {
      var part = token().split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      return JSON.parse(
        decodeURIComponent(
          Array.prototype.map
            .call(atob(part), function (c) {
              return '%' + ('00' + c.charCodeAt(0).toString(16)).slice(-2);
            })
            .join(''),
        ),
      );
    } catch (e) {
      return {};
    }
  }

  function signOut() {
    sessionStorage.removeItem(TOKEN_KEY);
    state = { messages: [], view: 'inbox', selected: null };
    // the secret shown at creation never outlives the sign-in that created it
    $('webhook-secret-value').textContent = '';
    $('webhook-secret').hidden = true;
    $('recipients').hidden = true;
    render();
  }

  function render() {
    var signedIn = !!token();
    $('sign-in').hidden = signedIn;
    $('dev-sign-in').hidden = document.body.getAttribute('data-dev-issuer') !== 'true';
    $('inbox').hidden = !signedIn;
    $('webhooks').hidden = !signedIn;
    $('who').hidden = !signedIn;
    if (!signedIn) return;
    var c = claims();
    $('who-email').textContent = c.email || c.preferred_username || '';
    $('who-tenant').textContent = c.tid ? 'tenant ' + c.tid : '';
  }

  function load() {
    if (!token()) return Promise.resolve();
    showError('');
    var all = [];
    function page(url) {
      return api(url).then(function (body) {
        all = all.concat(body.value || []);
        var next = body['@odata.nextLink'];
        if (next && all.length < 5000) {
          var u = new URL(next, location.href);
          return page(u.pathname + u.search);
        }
      });
    }
    return page(API + '?$top=1000')
      .then(function () {
        state.messages = all;
        renderList();
        if (state.selected) {
          var m = find(state.selected);
          if (m) renderDetail(m, false);
          else closeDetail();
        }
      })
      .catch(function (e) {
        showError(e.message);
      });
  }

  function find(id) {
    for (var i = 0; i < state.messages.length; i++) if (state.messages[i].id === id) return state.messages[i];
    return null;
  }

  function tagChip(t) {
    return el('span', { className: 'tag' + (t.toLowerCase() === 'data privacy' ? ' privacy' : ''), text: t });
  }

  var CATEGORY = {
    preventOrFixIssue: 'Prevent or fix issue',
    planForChange: 'Plan for change',
    stayInformed: 'Stay informed',
  };

  function renderList() {
    var archived = state.view === 'archive';
    var rows = state.messages.filter(function (m) {
      return !!m.viewPoint.isArchived === archived;
    });
    // unread first, then newest first
    rows.sort(function (a, b) {
      if (a.viewPoint.isRead !== b.viewPoint.isRead) return a.viewPoint.isRead ? 1 : -1;
      return (b.lastModifiedDateTime || '').localeCompare(a.lastModifiedDateTime || '');
    });
    var body = $('message-rows');
    clear(body);
    rows.forEach(function (m) {
      var title = el('a', { className: 'title', href: '#' + m.id, text: m.title });
      var tr = el(
        'tr',
        {
          'data-id': m.id,
          className: (m.viewPoint.isRead ? '' : 'unread') + (state.selected === m.id ? ' selected' : ''),
        },
        [
          el('td', null, [title]),
          el('td', null, (m.tags || []).map(tagChip)),
          el('td', { text: CATEGORY[m.category] || m.category }),
          el('td', { text: formatDate(m.lastModifiedDateTime) }),
        ],
      );
      tr.addEventListener('click', function (ev) {
        ev.preventDefault();
        open(m.id);
      });
      body.appendChild(tr);
    });
    $('empty').hidden = rows.length > 0;
    $('messages').hidden = rows.length === 0;
    var unread = rows.filter(function (m) {
      return !m.viewPoint.isRead;
    }).length;
    $('count').textContent =
      rows.length + (rows.length === 1 ? ' message' : ' messages') + (unread ? ', ' + unread + ' unread' : '');
    $('tab-inbox').setAttribute('aria-pressed', String(!archived));
    $('tab-archive').setAttribute('aria-pressed', String(archived));
  }

  function closeDetail() {
    state.selected = null;
    state.revisionsFor = null;
    $('detail').hidden = true;
  }

  function open(id) {
    state.selected = id;
    state.revisionsFor = null;
    showError('');
    return api(API + '/' + encodeURIComponent(id))
      .then(function (m) {
        renderDetail(m, true);
        if (!m.viewPoint.isRead) return act('markRead', m.id);
        renderList();
      })
      .catch(function (e) {
        showError(e.message);
      });
  }

  function fact(dl, name, value) {
    if (value === null || value === undefined || value === '') return;
    dl.appendChild(el('dt', { text: name }));
    dl.appendChild(el('dd', { text: String(value) }));
  }

  function renderDetail(m, withBody) {
    $('detail').hidden = false;
    $('detail-title').textContent = m.title;
    var facts = $('detail-facts');
    clear(facts);
    fact(facts, 'Message ID', m.id);
    fact(facts, 'Category', CATEGORY[m.category] || m.category);
    fact(facts, 'Severity', m.severity);
    fact(facts, 'Published', formatDate(m.startDateTime));
    fact(facts, 'Last updated', formatDate(m.lastModifiedDateTime));
    fact(facts, 'Act by', formatDate(m.actionRequiredByDateTime));
    fact(facts, 'Services', (m.services || []).join(', '));
    (m.details || []).forEach(function (d) {
      fact(facts, d.name, d.value);
    });
    var tags = $('detail-tags');
    clear(tags);
    (m.tags || []).forEach(function (t) {
      tags.appendChild(tagChip(t));
    });
    $('toggle-read').textContent = m.viewPoint.isRead ? 'Mark as unread' : 'Mark as read';
    $('toggle-archive').textContent = m.viewPoint.isArchived ? 'Unarchive' : 'Archive';
    // acknowledged once, per user: the button gives way to when it was done
    var acknowledged = !!m.viewPoint.isAcknowledged;
    $('acknowledge').hidden = acknowledged;
    $('acknowledged').hidden = !acknowledged;
    $('acknowledged').textContent = acknowledged ? 'Acknowledged ' + formatDate(m.viewPoint.acknowledgedDateTime) : '';
    var withdrawn = (m.tags || []).indexOf('Withdrawn') >= 0;
    $('detail-withdrawn').hidden = !withdrawn;
    if (withBody) {
      $('detail-body').srcdoc = messageDocument(m.body && m.body.content);
      // a withdrawn notice has no exposed data any more: its exposure view was deleted
      $('exposure').hidden = withdrawn;
      if (!withdrawn) loadExposure(m.id);
      loadRevisions(m.id);
    }
  }

  /**
   * The body is server-rendered, escaped HTML; the sandbox (no allow-scripts, no
   * allow-same-origin) keeps even a template mistake from running code or reading the token.
   */
  function messageDocument(content) {
    return (
      '<!DOCTYPE html><html><head><meta charset="utf-8"><base target="_blank">' +
      '<link rel="stylesheet" href="' +
      location.origin +
      '/inbox/assets/message.css"></head><body>' +
      (content || '') +
      '</body></html>'
    );
  }

  var REVISION_CAUSE = { posted: 'as posted', update: 'updated', withdrawal: 'withdrawn' };

  /** The earlier versions of the message, newest first; one shown at a time in its own sandbox. */
  function loadRevisions(id) {
    // once per opening: a second call while it is open would redraw the list under the reader's pointer
    if (state.revisionsFor === id) return;
    state.revisionsFor = id;
    api(API + '/' + encodeURIComponent(id) + '/revisions')
      .then(function (body) {
        if (state.selected !== id) return;
        var revisions = body.value || [];
        var list = $('revision-list');
        clear(list);
        $('revision-body').hidden = true;
        $('revisions').hidden = revisions.length === 0;
        revisions.forEach(function (r) {
          var show = el('button', {
            type: 'button',
            className: 'revision',
            'data-revision': String(r.revision),
            text:
              'Version ' +
              (r.revision + 1) +
              ' (' +
              (REVISION_CAUSE[r.cause] || r.cause) +
              ', ' +
              formatDate(r.lastModifiedDateTime) +
              ')',
          });
          show.addEventListener('click', function () {
            $('revision-body').srcdoc = messageDocument(r.body && r.body.content);
            $('revision-body').hidden = false;
          });
          list.appendChild(el('li', null, [show]));
        });
      })
      .catch(function (e) {
        showError(e.message);
      });
  }

  function table(headers, rows) {
    return el('table', null, [
      el('thead', null, [
        el(
          'tr',
          null,
          headers.map(function (h) {
            return el('th', { scope: 'col', text: h });
          }),
        ),
      ]),
      el(
        'tbody',
        null,
        rows.map(function (cells) {
          return el(
            'tr',
            null,
            cells.map(function (c) {
              return el('td', { text: c });
            }),
          );
        }),
      ),
    ]);
  }

  function loadExposure(id) {
    var box = $('exposure-content');
    clear(box);
    box.appendChild(el('p', { className: 'muted', text: 'Loading…' }));
    api(API + '/' + encodeURIComponent(id) + '/exposure')
      .then(function (v) {
        if (state.selected !== id) return;
        clear(box);
        box.appendChild(el('h4', { text: 'Data categories' }));
        box.appendChild(
          el(
            'div',
            null,
            (v.dataCategories || []).map(function (c) {
              return el('span', { className: 'tag', text: c });
            }),
          ),
        );
        box.appendChild(el('h4', { text: 'People (' + (v.people || []).length + ')' }));
        box.appendChild(
          (v.people || []).length
            ? table(
                ['Name', 'Email', 'Phone'],
                v.people.map(function (p) {
                  return [p.name || '', p.email || '', p.phone || ''];
                }),
              )
            : el('p', { className: 'muted', text: 'None.' }),
        );
        box.appendChild(el('h4', { text: 'Files (' + (v.files || []).length + ')' }));
        box.appendChild(
          (v.files || []).length
            ? table(
                ['File'],
                v.files.map(function (f) {
                  return [f.fileName || 'File name not shown'];
                }),
              )
            : el('p', { className: 'muted', text: 'None.' }),
        );
        box.appendChild(el('h4', { text: 'Records (' + (v.records || []).length + ')' }));
        box.appendChild(
          (v.records || []).length
            ? table(
                ['Record', 'Kind', 'Data categories'],
                v.records.map(function (r) {
                  return [r.recordId, r.kind, (r.dataCategories || []).join(', ')];
                }),
              )
            : el('p', { className: 'muted', text: 'None.' }),
        );
      })
      .catch(function (e) {
        clear(box);
        box.appendChild(el('p', { className: 'error', text: e.message }));
      });
  }

  function act(action, id) {
    return api(API + '/' + action, { method: 'POST', body: { messageIds: [id] } })
      .then(load)
      .catch(function (e) {
        showError(e.message);
      });
  }

  // ── webhooks: the tenant's own endpoints (managed by GlobalAdmin and PrivacyReader) ──

  function hookError(text) {
    var e = $('webhook-error');
    e.textContent = text || '';
    e.hidden = !text;
  }

  function loadHooks() {
    if (!token()) return Promise.resolve();
    return api(HOOKS)
      .then(function (body) {
        renderHooks(body.value || []);
      })
      .catch(function (e) {
        renderHooks([]);
        hookError(e.message);
      });
  }

  function button(text, onClick) {
    var b = el('button', { type: 'button', text: text });
    b.addEventListener('click', onClick);
    return b;
  }

  function renderHooks(endpoints) {
    var body = $('webhook-rows');
    clear(body);
    endpoints.forEach(function (e) {
      var status = e.enabled
        ? 'Enabled' + (e.failingSince ? ' (failing since ' + formatDate(e.failingSince) + ')' : '')
        : 'Disabled: ' + (e.disabledReason || 'failing');
      var actions = [
        button('Deliveries', function () {
          loadDeliveries(e);
        }),
      ];
      if (!e.enabled)
        actions.push(
          button('Enable', function () {
            hookAction(api(HOOKS + '/' + encodeURIComponent(e.id) + '/enable', { method: 'POST' }));
          }),
        );
      actions.push(
        button('Delete', function () {
          $('webhook-deliveries').hidden = true;
          hookAction(api(HOOKS + '/' + encodeURIComponent(e.id), { method: 'DELETE' }));
        }),
      );
      body.appendChild(
        el('tr', { 'data-id': e.id }, [
          el('td', null, [
            el('div', { text: e.url }),
            e.description ? el('div', { className: 'muted', text: e.description }) : null,
          ]),
          el('td', { text: (e.events || []).join(', ') }),
          el('td', { text: status }),
          el('td', null, actions),
        ]),
      );
    });
    $('webhook-list').hidden = endpoints.length === 0;
    $('webhook-empty').hidden = endpoints.length > 0;
  }

  function hookAction(promise) {
    hookError('');
    return promise.then(loadHooks).catch(function (e) {
      hookError(e.message);
    });
  }

  function loadDeliveries(e) {
    hookError('');
    return api(HOOKS + '/' + encodeURIComponent(e.id) + '/deliveries?$top=100')
      .then(function (body) {
        var rows = body.value || [];
        $('webhook-deliveries-title').textContent = 'Deliveries to ' + e.url;
        var tbody = $('webhook-delivery-rows');
        clear(tbody);
        rows.forEach(function (d) {
          tbody.appendChild(
            el('tr', null, [
              el('td', { text: d.eventType }),
              el('td', { text: d.noticeId || '' }),
              el('td', { text: d.state }),
              el('td', { text: String(d.attempts) }),
              el('td', { text: d.lastError || '' }),
              el('td', { text: formatDate(d.updatedAt) }),
            ]),
          );
        });
        $('webhook-deliveries-empty').hidden = rows.length > 0;
        $('webhook-deliveries').hidden = false;
      })
      .catch(function (err) {
        hookError(err.message);
      });
  }

  function addHook(ev) {
    ev.preventDefault();
    hookError('');
    var events = Array.prototype.filter
      .call(document.querySelectorAll('input[name="webhook-event"]'), function (c) {
        return c.checked;
      })
      .map(function (c) {
        return c.value;
      });
    var body = { url: $('webhook-url').value.trim(), events: events };
    var description = $('webhook-description').value.trim();
    if (description) body.description = description;
    return api(HOOKS, { method: 'POST', body: body })
      .then(function (created) {
        $('webhook-secret-value').textContent = created.secret;
        $('webhook-secret').hidden = false;
        $('webhook-url').value = '';
        $('webhook-description').value = '';
        return loadHooks();
      })
      .catch(function (e) {
        hookError(e.message);
      });
  }

  // ── the tenant's own notification recipients (shown to the admins the API lets manage them) ──

  var RECIPIENTS = '/v1/admin/serviceAnnouncement/notificationRecipients';

  function recipientStatus(text, isError) {
    var s = $('recipient-status');
    s.textContent = text || '';
    s.className = isError ? 'error' : 'muted';
    s.hidden = !text;
  }

  function loadRecipients() {
    if (!token()) return Promise.resolve();
    return api(RECIPIENTS)
      .then(function (body) {
        $('recipients').hidden = false;
        renderRecipients(body.value || []);
      })
      .catch(function () {
        // a reader without an admin role is refused: the panel is not theirs
        $('recipients').hidden = true;
      });
  }

  function renderRecipients(rows) {
    var body = $('recipient-rows');
    clear(body);
    rows.forEach(function (r) {
      var remove = el('button', { type: 'button', className: 'remove', text: 'Remove' });
      remove.addEventListener('click', function () {
        remove.disabled = true;
        api(RECIPIENTS + '/' + encodeURIComponent(r.id), { method: 'DELETE' })
          .then(function () {
            recipientStatus('Removed ' + r.address + '.');
            return loadRecipients();
          })
          .catch(function (e) {
            remove.disabled = false;
            recipientStatus(e.message, true);
          });
      });
      body.appendChild(
        el('tr', { 'data-id': r.id }, [
          el('td', { text: r.address }),
          el('td', { text: r.locale }),
          el('td', {
            className: 'state ' + r.state,
            text: r.state === 'confirmed' ? 'Confirmed' : 'Pending confirmation',
          }),
          el('td', null, [remove]),
        ]),
      );
    });
    $('recipients-empty').hidden = rows.length > 0;
    $('recipient-table').hidden = rows.length === 0;
  }

  function addRecipient(ev) {
    ev.preventDefault();
    var address = $('recipient-address').value.trim();
    if (!address) return;
    var body = { address: address };
    if ($('recipient-locale').value) body.locale = $('recipient-locale').value;
    $('recipient-add').disabled = true;
    api(RECIPIENTS, { method: 'POST', body: body })
      .then(function (r) {
        $('recipient-address').value = '';
        recipientStatus(
          r.state === 'confirmed'
            ? r.address + ' is already confirmed.'
            : r.confirmationSent
              ? 'We emailed a confirmation link to ' + r.address + '.'
              : r.address + ' is waiting for its confirmation.',
        );
        return loadRecipients();
      })
      .catch(function (e) {
        recipientStatus(e.message, true);
      })
      .then(function () {
        $('recipient-add').disabled = false;
      });
  }

  document.addEventListener('DOMContentLoaded', function () {
    $('recipient-form').addEventListener('submit', addRecipient);
    $('sign-out').addEventListener('click', signOut);
    $('token-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      var t = $('token-input').value.trim();
      if (!t) return;
      sessionStorage.setItem(TOKEN_KEY, t);
      $('token-input').value = '';
      render();
      load();
      loadHooks();
      loadRecipients();
    });
    $('webhook-form').addEventListener('submit', addHook);
    $('tab-inbox').addEventListener('click', function () {
      state.view = 'inbox';
      closeDetail();
      renderList();
    });
    $('tab-archive').addEventListener('click', function () {
      state.view = 'archive';
      closeDetail();
      renderList();
    });
    $('toggle-read').addEventListener('click', function () {
      var m = find(state.selected);
      if (m) act(m.viewPoint.isRead ? 'markUnread' : 'markRead', m.id);
    });
    $('acknowledge').addEventListener('click', function () {
      var m = find(state.selected);
      if (!m) return;
      showError('');
      api(API + '/' + encodeURIComponent(m.id) + '/acknowledge', { method: 'POST' })
        .then(load)
        .catch(function (e) {
          showError(e.message);
        });
    });
    $('toggle-archive').addEventListener('click', function () {
      var m = find(state.selected);
      if (!m) return;
      var archiving = !m.viewPoint.isArchived;
      act(archiving ? 'archive' : 'unarchive', m.id).then(function () {
        closeDetail();
        renderList();
      });
    });
    render();
    // a link to a notice (the webhook payload's `link`) opens it
    function openFromHash() {
      var id = /^#(MC\d{1,18})$/.exec(location.hash);
      if (id && token()) open(id[1]);
    }
    window.addEventListener('hashchange', openFromHash);
    load().then(openFromHash);
    loadHooks();
    loadRecipients();
  });
})();
