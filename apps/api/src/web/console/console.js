// The operator's console. It reads and acts only through the operator JSON API with the token the
// operator signed in with; the API checks that token and its role on every request, so what this
// page hides is a convenience, never a control. Everything from the API is hostile data (tenant
// names, record content): it goes into the page as text (textContent, attributes set through the
// DOM), never as markup.
'use strict';
(function () {
  var TOKEN_KEY = 'console.token';
  var POLL_MS = 1500;
  var me = null;
  // bumped on every navigation: a poll or a late answer of the screen left behind draws nothing
  var generation = 0;

  var STATUS_WORDS = {
    draft: 'Draft: not analyzed yet',
    analyzing: 'Analyzing',
    ready: 'Analyzed: waiting for approval',
    approved: 'Approved: ready to launch',
    sending: 'Sending',
    paused: 'Paused',
    completed: 'Completed',
    cancelled: 'Cancelled',
    failed: 'Failed',
    ingesting: 'Importing',
  };
  var FINAL = ['completed', 'cancelled'];
  var DATASET_STATUS_WORDS = { ingesting: 'Importing', ready: 'Ready', failed: 'Failed' };
  var DECISION_WORDS = { affected: 'Affected', not_affected: 'Not affected', needs_review: 'Needs review' };
  var TRIGGER_WORDS = {
    conflictingStrongSignals: 'Strong evidence points to more than one tenant',
    weakSignalOnly: 'Only weak evidence (a company name or phone number) points to this tenant',
    ambiguousContactAddress: 'A contact address that more than one tenant lists',
    ambiguousVerifiedDomain: 'A verified domain that more than one tenant could own',
    conflictedDomain: 'An address on a domain several tenants claim',
    ambiguousWeakSignal: 'A company name or phone number several tenants share, and nothing stronger',
  };

  /** The actions of a campaign: the route, the role the API asks for, and the statuses it accepts. */
  var ACTIONS = [
    { path: 'analyze', label: 'Analyze', role: 'admin', from: ['draft', 'ready', 'failed'], done: 'Analysis started.' },
    { path: 'approve', label: 'Approve', role: 'approver', from: ['ready'], done: 'Approved.' },
    {
      path: 'withdraw-approval',
      label: 'Withdraw approval',
      role: 'approver',
      from: ['approved'],
      done: 'Approval withdrawn: the campaign needs a new approval.',
    },
    {
      path: 'launch',
      label: 'Launch',
      role: 'sender',
      from: ['approved'],
      done: 'Launched: notices are being posted.',
    },
    { path: 'pause', label: 'Pause sending', role: 'sender', from: ['sending'], done: 'Paused.' },
    { path: 'resume', label: 'Resume sending', role: 'sender', from: ['paused'], done: 'Sending again.' },
    {
      path: 'cancel',
      label: 'Cancel campaign',
      role: 'sender',
      from: ['draft', 'ready', 'approved', 'sending', 'paused', 'failed'],
      done: 'Cancelled.',
      confirm: 'Cancel this campaign for good? Nothing more will be sent.',
    },
  ];

  function $(id) {
    return document.getElementById(id);
  }
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs)
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === undefined || v === null || v === false) return;
        if (k === 'text') node.textContent = String(v);
        else if (k === 'className') node.className = v;
        else if (k === 'onclick') node.addEventListener('click', v);
        else if (k === 'onsubmit') node.addEventListener('submit', v);
        else if (k === 'onchange') node.addEventListener('change', v);
        else node.setAttribute(k, v === true ? '' : String(v));
      });
    (children || []).forEach(function (c) {
      if (c === null || c === undefined || c === false) return;
      node.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    });
    return node;
  }
  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }
  function token() {
    return sessionStorage.getItem(TOKEN_KEY);
  }
  function has(role) {
    return !!me && me.roles.indexOf(role) >= 0;
  }
  function formatDate(iso, withTime) {
    if (!iso) return '—';
    var d = new Date(iso);
    if (isNaN(d.getTime())) return String(iso);
    return withTime
      ? d.toLocaleString(undefined, {
          year: 'numeric',
          month: 'short',
          day: 'numeric',
          hour: '2-digit',
          minute: '2-digit',
        })
      : d.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
  }
  function num(n) {
    return typeof n === 'number' ? n.toLocaleString() : n === null || n === undefined ? '—' : String(n);
  }
  /** `uniqueEmailAddresses` → `Unique email addresses` */
  function humanize(key) {
    var words = String(key)
      .replace(/_/g, ' ')
      .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
      .toLowerCase();
    return words.charAt(0).toUpperCase() + words.slice(1);
  }
  function statusWords(s) {
    return STATUS_WORDS[s] || humanize(s || 'unknown');
  }
  function datasetStatusWords(s) {
    return DATASET_STATUS_WORDS[s] || humanize(s || 'unknown');
  }
  function link(href, text) {
    return el('a', { href: href, text: text });
  }
  function short(id) {
    return String(id || '').slice(0, 8);
  }

  function showError(text) {
    $('error').textContent = text || '';
    $('error').hidden = !text;
  }
  function showNotice(text) {
    $('notice').textContent = text || '';
    $('notice').hidden = !text;
  }

  /** An error carrying the API's own refusal, shown to the operator as it is. */
  function refusal(res, body) {
    var message =
      (body && body.error && body.error.message) ||
      (body && typeof body.message === 'string' && body.message) ||
      'the request failed (' + res.status + ')';
    var err = new Error(message);
    err.status = res.status;
    return err;
  }

  function api(path, options) {
    options = options || {};
    var headers = { Authorization: 'Bearer ' + (options.token || token()), Accept: 'application/json' };
    if (options.body) headers['Content-Type'] = 'application/json';
    return fetch(path, {
      method: options.method || 'GET',
      headers: headers,
      body: options.body ? JSON.stringify(options.body) : undefined,
      credentials: 'omit',
      cache: 'no-store',
    }).then(function (res) {
      return res
        .json()
        .catch(function () {
          return {};
        })
        .then(function (body) {
          if (res.status === 401 && !options.token) {
            signOut('Your sign-in is no longer accepted: ' + refusal(res, body).message + '. Please sign in again.');
            throw refusal(res, body);
          }
          if (!res.ok) throw refusal(res, body);
          return body;
        });
    });
  }

  // ---- building blocks ----

  function facts(pairs) {
    var dl = el('dl', { className: 'facts' });
    pairs.forEach(function (p) {
      if (!p) return;
      dl.appendChild(el('dt', { text: p[0] }));
      var v = p[1];
      dl.appendChild(el('dd', null, [v instanceof Node ? v : String(v === null || v === undefined ? '—' : v)]));
    });
    return dl;
  }

  /** A table with a caption, column headers and rows of text or nodes; `empty` when there are no rows. */
  function table(caption, headers, rows, empty) {
    if (!rows.length) return el('p', { className: 'muted', text: empty || 'None.' });
    var thead = el('thead', null, [
      el(
        'tr',
        null,
        headers.map(function (h) {
          return el('th', { scope: 'col', text: h });
        }),
      ),
    ]);
    var tbody = el(
      'tbody',
      null,
      rows.map(function (r) {
        return el(
          'tr',
          null,
          r.map(function (c) {
            return el('td', null, [c instanceof Node ? c : String(c === null || c === undefined ? '—' : c)]);
          }),
        );
      }),
    );
    return el('table', null, [el('caption', { text: caption }), thead, tbody]);
  }

  /** Any value as readable text and lists: fields this page does not know are shown, never dropped. */
  function generic(value, depth) {
    depth = depth || 0;
    if (value === null || value === undefined) return document.createTextNode('—');
    if (typeof value !== 'object') return document.createTextNode(String(value));
    if (depth > 4) return el('code', { text: JSON.stringify(value) });
    if (Array.isArray(value)) {
      if (!value.length) return document.createTextNode('none');
      if (
        value.every(function (v) {
          return v === null || typeof v !== 'object';
        })
      )
        return document.createTextNode(value.join(', '));
      return el(
        'ul',
        { className: 'plain' },
        value.map(function (v) {
          return el('li', null, [generic(v, depth + 1)]);
        }),
      );
    }
    if (!Object.keys(value).length) return document.createTextNode('none');
    var dl = el('dl', { className: 'facts nested' });
    Object.keys(value).forEach(function (k) {
      dl.appendChild(el('dt', { text: humanize(k) }));
      dl.appendChild(el('dd', null, [generic(value[k], depth + 1)]));
    });
    return dl;
  }

  /** The answer as the API gave it, folded away: for whoever needs the exact fields. */
  function rawDetails(value) {
    return el('details', { className: 'raw' }, [
      el('summary', { text: 'Details (as the API returned them)' }),
      el('pre', { text: JSON.stringify(value, null, 2) }),
    ]);
  }

  /** Said under a list that holds a full page: older entries exist and the command line lists them (`--skip`). */
  function pageNote(count, take) {
    return count >= take
      ? el('p', {
          className: 'muted',
          text: 'Showing the newest ' + take + '. Older ones: the command line lists them with --skip.',
        })
      : null;
  }

  function section(title, children) {
    return el('section', { className: 'block' }, [el('h3', { text: title })].concat(children));
  }

  var focusedGeneration = -1;
  function screen(title, children, quiet) {
    var view = $('view');
    var hadFocus = view.contains(document.activeElement) ? document.activeElement.id : null;
    clear(view);
    var heading = el('h2', { id: 'screen-title', tabindex: '-1', text: title });
    view.appendChild(heading);
    children.forEach(function (c) {
      if (c) view.appendChild(c);
    });
    view.hidden = false;
    // while only "Loading…" is shown, a refusal replaces it (failed below)
    if (quiet) view.setAttribute('data-loading', '');
    else view.removeAttribute('data-loading');
    // a screen reader or keyboard user lands on the new screen's heading once per navigation; a
    // redraw of the same screen keeps the focus where it was when that element is still there
    if (!quiet && focusedGeneration !== generation) {
      focusedGeneration = generation;
      heading.focus();
    } else if (hadFocus && $(hadFocus)) $(hadFocus).focus();
  }

  function loading(title) {
    screen(title, [el('p', { className: 'muted', text: 'Loading…' })], true);
  }

  function failed(gen) {
    return function (err) {
      if (gen !== generation) return;
      if (err && err.status === 401) return;
      showError(err && err.message ? err.message : String(err));
      var view = $('view');
      if (view.hasAttribute('data-loading')) {
        clear(view);
        view.hidden = true;
      }
    };
  }

  // ---- incidents ----

  function incidentsList() {
    var gen = generation;
    loading('Incidents');
    api('/v1/incidents?take=200')
      .then(function (body) {
        if (gen !== generation) return;
        var rows = (body.incidents || []).map(function (i) {
          return [
            link('#/incidents/' + encodeURIComponent(i.incidentId), i.title || 'Incident ' + short(i.incidentId)),
            formatDate(i.awareAt),
            num(typeof i.campaigns === 'number' ? i.campaigns : (i.campaigns || []).length),
            (i.locales || []).join(', ') || 'none',
            formatDate(i.createdAt),
          ];
        });
        screen('Incidents', [
          el('p', { className: 'muted', text: 'Each incident groups the data sets and campaigns of one exposure.' }),
          table(
            'Incidents, newest first',
            ['Title', 'Became aware', 'Campaigns', 'Notice words in', 'Created'],
            rows,
            'No incidents yet.',
          ),
          pageNote(rows.length, 200),
        ]);
      })
      .catch(failed(gen));
  }

  function incidentShow(id) {
    var gen = generation;
    loading('Incident');
    api('/v1/incidents/' + encodeURIComponent(id))
      .then(function (i) {
        if (gen !== generation) return;
        screen(i.title || 'Incident ' + short(id), [
          facts([
            ['Became aware', formatDate(i.awareAt)],
            ['Created by', i.createdBy],
            ['Created', formatDate(i.createdAt, true)],
          ]),
          section('Campaigns', [
            table(
              'Campaigns of this incident',
              ['Campaign', 'Status', 'Created'],
              (i.campaigns || []).map(function (c) {
                return [
                  link('#/campaigns/' + encodeURIComponent(c.campaignId), c.title || 'Campaign ' + short(c.campaignId)),
                  statusWords(c.status),
                  formatDate(c.createdAt, true),
                ];
              }),
              'No campaigns yet.',
            ),
          ]),
          section('Data sets', [
            table(
              'Data sets of this incident',
              ['Data set'],
              (i.datasets || []).map(function (d) {
                return [
                  link('#/datasets/' + encodeURIComponent(d.datasetId), d.name || 'Data set ' + short(d.datasetId)),
                ];
              }),
              'No data sets yet.',
            ),
          ]),
          section('Notice words', [
            table(
              'Languages the incident has words in',
              ['Language', 'Written by', 'Last changed'],
              (i.texts || []).map(function (t) {
                return [t.locale, t.updatedBy, formatDate(t.updatedAt, true)];
              }),
              'No words written yet.',
            ),
          ]),
          rawDetails(i),
        ]);
      })
      .catch(failed(gen));
  }

  // ---- data sets ----

  function datasetsList() {
    var gen = generation;
    loading('Data sets');
    api('/v1/datasets?take=200')
      .then(function (body) {
        if (gen !== generation) return;
        var rows = (body.datasets || []).map(function (d) {
          return [
            link('#/datasets/' + encodeURIComponent(d.datasetId), d.name || 'Data set ' + short(d.datasetId)),
            datasetStatusWords(d.status),
            num(d.lines),
            num(d.accepted),
            num(d.quarantined),
            num(d.duplicates),
            formatDate(d.createdAt, true),
          ];
        });
        screen('Data sets', [
          table(
            'Data sets, newest first',
            ['Name', 'Status', 'Lines', 'Accepted', 'Set aside', 'Duplicates', 'Imported'],
            rows,
            'No data sets yet.',
          ),
          pageNote(rows.length, 200),
        ]);
      })
      .catch(failed(gen));
  }

  function datasetShow(id) {
    var gen = generation;
    loading('Data set');
    Promise.all([
      api('/v1/datasets/' + encodeURIComponent(id)),
      api('/v1/datasets/' + encodeURIComponent(id) + '/quarantine?take=500'),
    ])
      .then(function (r) {
        if (gen !== generation) return;
        var d = r[0];
        var q = r[1].quarantined || [];
        var known = [
          'datasetId',
          'name',
          'status',
          'lines',
          'accepted',
          'quarantined',
          'duplicates',
          'scope',
          'createdAt',
          'completedAt',
          'error',
        ];
        var extra = {};
        Object.keys(d).forEach(function (k) {
          if (known.indexOf(k) < 0) extra[k] = d[k];
        });
        screen(d.name || 'Data set ' + short(id), [
          facts([
            ['Status', datasetStatusWords(d.status)],
            ['Lines read', num(d.lines)],
            ['Accepted', num(d.accepted)],
            ['Set aside (quarantined)', num(d.quarantined)],
            ['Duplicates', num(d.duplicates)],
            ['Imported', formatDate(d.createdAt, true)],
            ['Finished', formatDate(d.completedAt, true)],
            d.error ? ['Problem', d.error] : null,
          ]),
          section('Scope report', [
            el('p', {
              className: 'muted',
              text: 'Unique items and people after removing duplicates; raw lines are counted beside them.',
            }),
            d.scope ? generic(d.scope) : el('p', { text: 'No scope report yet.' }),
          ]),
          section('Lines set aside', [
            el('p', {
              className: 'muted',
              text: 'Lines that could not be read as a record, with the line number in the uploaded file and the reason.',
            }),
            table(
              'Quarantined lines',
              ['Upload', 'Line', 'Reason'],
              q.map(function (l) {
                return [num(l.upload), num(l.line), l.reason];
              }),
              'No lines were set aside.',
            ),
          ]),
          section('More about this data set', [generic(extra)]),
          rawDetails(d),
        ]);
      })
      .catch(failed(gen));
  }

  // ---- campaigns ----

  function campaignsList() {
    var gen = generation;
    loading('Campaigns');
    api('/v1/campaigns?take=200')
      .then(function (body) {
        if (gen !== generation) return;
        var rows = (body.campaigns || []).map(function (c) {
          var t = (c.counts && c.counts.tenants) || {};
          return [
            link('#/campaigns/' + encodeURIComponent(c.campaignId), c.title || 'Campaign ' + short(c.campaignId)),
            statusWords(c.status),
            c.counts ? num(t.affected) : '—',
            c.counts ? num(c.counts.openReviewItems) : '—',
            c.createdBy,
            formatDate(c.createdAt, true),
          ];
        });
        screen('Campaigns', [
          table(
            'Campaigns, newest first',
            ['Campaign', 'Status', 'Affected tenants', 'Open review items', 'Created by', 'Created'],
            rows,
            'No campaigns yet.',
          ),
          pageNote(rows.length, 200),
        ]);
      })
      .catch(failed(gen));
  }

  function actionsBlock(c, rerender) {
    var allowed = ACTIONS.filter(function (a) {
      return has(a.role);
    });
    var box = el('div', { className: 'actions', id: 'actions' });
    var result = el('p', { className: 'error', id: 'action-error', role: 'alert', hidden: true });
    if (!allowed.length) {
      box.appendChild(
        el('p', {
          className: 'muted',
          id: 'no-actions',
          text: 'Your role lets you follow this campaign; it allows no actions on it.',
        }),
      );
      return section('Actions', [box]);
    }
    var now = allowed.filter(function (a) {
      return a.from.indexOf(c.status) >= 0;
    });
    if (!now.length) box.appendChild(el('p', { className: 'muted', text: 'Nothing to do in this state.' }));
    // four eyes: said before the click, and the API's refusal still comes if it is clicked
    var creator = String(c.createdBy || '').replace(/^cli:/, '');
    if (c.status === 'ready' && has('approver') && !me.selfApprovalAllowed && creator === me.operator)
      box.appendChild(
        el('p', {
          className: 'muted',
          id: 'four-eyes-hint',
          text: 'You created this campaign: another operator with the approver role must approve it.',
        }),
      );
    now.forEach(function (a) {
      var run = function () {
        result.hidden = true;
        showNotice('');
        api('/v1/campaigns/' + encodeURIComponent(c.campaignId) + '/' + a.path, { method: 'POST' })
          .then(function () {
            showNotice(a.done);
            rerender();
          })
          .catch(function (err) {
            if (err.status === 401) return;
            result.textContent = a.label + ' was refused: ' + err.message;
            result.hidden = false;
          });
      };
      var button = el('button', {
        type: 'button',
        id: 'action-' + a.path,
        className: a.path === 'cancel' ? 'danger' : '',
        text: a.label,
      });
      button.addEventListener('click', function () {
        if (!a.confirm) return run();
        var ask = el('div', { className: 'confirm', role: 'group', 'aria-label': a.label }, [
          el('span', { text: a.confirm + ' ' }),
          el('button', {
            type: 'button',
            id: 'confirm-' + a.path,
            className: 'danger',
            text: 'Yes, ' + a.label.toLowerCase(),
            onclick: run,
          }),
          el('button', {
            type: 'button',
            text: 'No',
            onclick: function () {
              ask.remove();
            },
          }),
        ]);
        box.appendChild(ask);
      });
      box.appendChild(button);
    });
    return section('Actions', [box, result]);
  }

  function liveBlock() {
    return section('Sending', [el('div', { id: 'live' }, [el('p', { className: 'muted', text: 'Loading…' })])]);
  }

  function drawLive(s, failedRows, tenantNames) {
    var box = $('live');
    if (!box) return;
    clear(box);
    var counts = s.counts || {};
    var e = counts.emails || {};
    var n = counts.notices || {};
    var p = s.progress || {};
    if (['draft', 'analyzing', 'ready', 'approved'].indexOf(s.status) >= 0)
      box.appendChild(el('p', { className: 'muted', text: 'Nothing is sent before the launch.' }));
    box.appendChild(
      el('div', { className: 'progress' }, [
        el('label', { for: 'progress-bar', text: 'Progress' }),
        el('progress', { id: 'progress-bar', max: '100', value: String(p.percent || 0) }),
        el('span', {
          id: 'progress-text',
          text: num(p.percent || 0) + '% (' + num(p.done) + ' of ' + num(p.total) + ' steps)',
        }),
      ]),
    );
    box.appendChild(
      facts([
        ['Status', el('span', { id: 'live-status', text: statusWords(s.status) })],
        ['Notices posted', el('span', { id: 'notices-posted', text: num(n.posted) + ' of ' + num(n.expected) })],
        ['Started', formatDate(s.startedAt, true)],
        ['Finished', formatDate(s.finishedAt, true)],
        s.lastError ? ['Last problem', s.lastError] : null,
      ]),
    );
    box.appendChild(
      table(
        'Emails by state',
        ['Waiting', 'Sent', 'Failed', 'Being retried', 'Total'],
        [[num(e.queued), num(e.sent), num(e.failed), num(e.retrying), num(e.total)]],
      ),
    );
    box.appendChild(el('h4', { text: 'Failed deliveries' }));
    box.appendChild(
      table(
        'Emails that could not be delivered, with the reason',
        ['Address', 'Tenant', 'Reason', 'Attempts', 'Last tried'],
        failedRows.map(function (d) {
          return [
            d.address,
            tenantNames[d.tenantId] || d.tenantId,
            d.lastError,
            num(d.attempts),
            formatDate(d.updatedAt, true),
          ];
        }),
        'No failed deliveries.',
      ),
    );
  }

  function analysisBlock(preview, review) {
    if (!preview) return section('Analysis', [el('p', { className: 'muted', text: 'Not analyzed yet.' })]);
    var t = preview.tenants || {};
    var open = review.items.filter(undecided).length;
    var children = [
      facts([
        ['Affected tenants', el('span', { id: 'count-affected', text: num(t.affected) })],
        ['Not affected', num(t.notAffected)],
        ['Needing review', num(t.needsReview)],
        ['Open review items', el('span', { id: 'count-open-review', text: num(open) })],
      ]),
      el('p', null, [
        link(
          '#/campaigns/' + encodeURIComponent(preview.campaignId || review.campaignId) + '/review',
          'Open the review queue',
        ),
      ]),
    ];
    if (preview.renderProblems && preview.renderProblems.length)
      children.push(
        el('div', { className: 'warn' }, [
          el('h4', { text: 'What would stop a launch' }),
          generic(preview.renderProblems),
        ]),
      );
    if (preview.warnings && preview.warnings.length)
      children.push(el('div', null, [el('h4', { text: 'Warnings' }), generic(preview.warnings)]));
    return section('Analysis', children);
  }

  function decisionsBlock(preview) {
    if (!preview) return null;
    var rows = (preview.decisions || []).map(function (d) {
      return [
        d.tenantName || d.tenantId,
        DECISION_WORDS[d.decision] || humanize(d.decision),
        (d.reasons || []).join('; '),
        (d.dataCategories || []).join(', '),
        num(d.records),
      ];
    });
    return section('Decisions', [
      el('p', {
        className: 'muted',
        text: 'Only affected tenants receive a notice. Tenants nothing touched are not listed.',
      }),
      table('Decision per tenant', ['Tenant', 'Decision', 'Why', 'Data exposed', 'Records'], rows, 'No decisions yet.'),
    ]);
  }

  function campaignShow(id) {
    var gen = generation;
    var shownStatus = null;
    // tenant names from the decisions, for the failed deliveries (which carry ids only)
    var tenantNames = {};
    // each drawing starts one poll loop and ends the one before (an action redraws too)
    var chain = 0;
    loading('Campaign');
    var base = '/v1/campaigns/' + encodeURIComponent(id);
    var render = function () {
      return api(base).then(function (c) {
        if (gen !== generation) return;
        shownStatus = c.status;
        var analyzed = ['draft', 'analyzing'].indexOf(c.status) < 0;
        return Promise.all([
          analyzed
            ? api(base + '/decisions').catch(function () {
                return null;
              })
            : null,
          analyzed ? api('/v1/reviews?campaignId=' + encodeURIComponent(id)) : { items: [] },
        ]).then(function (r) {
          if (gen !== generation) return;
          ((r[0] && r[0].decisions) || []).forEach(function (d) {
            if (d.tenantName) tenantNames[d.tenantId] = d.tenantName;
          });
          screen(c.title || 'Campaign ' + short(id), [
            facts([
              ['Status', el('span', { id: 'campaign-status', text: statusWords(c.status) })],
              [
                'Incident',
                c.incidentId
                  ? link('#/incidents/' + encodeURIComponent(c.incidentId), 'Incident ' + short(c.incidentId))
                  : '—',
              ],
              ['Data set', link('#/datasets/' + encodeURIComponent(c.datasetId), 'Data set ' + short(c.datasetId))],
              ['Created by', c.createdBy],
              ['Created', formatDate(c.createdAt, true)],
              ['Approved by', c.approvedBy || 'not approved'],
              ['Support page', c.supportUrl],
              ['Support email', c.supportEmail],
              ['Respond by', formatDate(c.respondBy)],
              c.lastError ? ['Last problem', c.lastError] : null,
            ]),
            actionsBlock(c, function () {
              render().catch(failed(gen));
            }),
            liveBlock(),
            analysisBlock(r[0] && Object.assign({ campaignId: id }, r[0]), r[1]),
            decisionsBlock(r[0]),
            rawDetails(c),
          ]);
          poll(++chain);
        });
      });
    };
    var poll = function (mine) {
      if (gen !== generation || mine !== chain) return;
      Promise.all([api(base + '/status'), api(base + '/deliveries?state=failed&take=200')])
        .then(function (r) {
          if (gen !== generation || mine !== chain) return;
          drawLive(r[0], r[1].value || [], tenantNames);
          // a new state brings new actions and, after an analysis, the decisions: draw the whole screen
          if (r[0].status !== shownStatus)
            return render().catch(function (err) {
              if (err.status !== 401) showError(err.message);
            });
          // a finished campaign changes no more: the screen stops asking
          if (FINAL.indexOf(r[0].status) < 0)
            setTimeout(function () {
              poll(mine);
            }, POLL_MS);
        })
        .catch(function (err) {
          if (gen !== generation || err.status === 401) return;
          showError(err.message);
          setTimeout(function () {
            poll(mine);
          }, POLL_MS * 4);
        });
    };
    render().catch(failed(gen));
  }

  // ---- review queue ----

  /** `open`: the item belongs to the latest analysis; `resolved`: an operator decided it. */
  function undecided(item) {
    return item.open !== false && !item.resolved;
  }

  var REVIEW_KNOWN = [
    'reviewItemId',
    'campaignId',
    'recordIds',
    'candidates',
    'triggers',
    'group',
    'excerpts',
    'open',
    'resolved',
    'resolution',
    'assignment',
  ];

  function resolveForm(item, groupSize, rerender) {
    var name = 'resolve-' + item.reviewItemId;
    var error = el('p', { className: 'error', role: 'alert', hidden: true });
    var options = (item.candidates || []).map(function (c, i) {
      var id = name + '-' + i;
      return el('div', { className: 'choice' }, [
        el('input', { type: 'radio', name: name, id: id, value: c.tenantId, required: true }),
        el('label', { for: id, text: 'It belongs to ' + (c.name || 'tenant ' + c.tenantId) }),
      ]);
    });
    var noneId = name + '-none';
    options.push(
      el('div', { className: 'choice' }, [
        el('input', { type: 'radio', name: name, id: noneId, value: '', required: true }),
        el('label', { for: noneId, text: 'None of these tenants (nobody is notified for it)' }),
      ]),
    );
    // the reason goes with the decision into the audit log: the console always asks for it
    var whyBox = el('div', { className: 'why' }, [
      el('label', { for: name + '-why', text: 'Why this decision (recorded with it)' }),
      el('textarea', { id: name + '-why', rows: '2', maxlength: '2000', required: true }),
    ]);
    var why = whyBox.querySelector('textarea');
    // items with the same candidates and reason (a company name in many records) are settled at once
    var whole =
      groupSize > 1 && item.group ? el('input', { type: 'checkbox', id: name + '-group', className: 'group' }) : null;
    var form = el('form', { className: 'resolve' }, [
      el('fieldset', null, [el('legend', { text: 'Decide this item' })].concat(options)),
      whyBox,
      whole
        ? el('div', { className: 'choice' }, [
            whole,
            el('label', {
              for: name + '-group',
              text: 'Decide all ' + groupSize + ' undecided items with the same candidates and reason alike',
            }),
          ])
        : null,
      el('button', { type: 'submit', text: 'Resolve' }),
      error,
    ]);
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var chosen = form.querySelector('input[type=radio]:checked');
      if (!chosen) return;
      var reason = why.value.trim();
      if (!reason) {
        error.textContent = 'Say why: the reason is recorded with the decision.';
        error.hidden = false;
        why.focus();
        return;
      }
      var body = { tenantId: chosen.value || null, justification: reason };
      error.hidden = true;
      var request =
        whole && whole.checked
          ? api('/v1/reviews/groups/' + encodeURIComponent(item.group) + '/resolve', {
              method: 'POST',
              body: Object.assign({ campaignId: item.campaignId }, body),
            })
          : api('/v1/reviews/' + encodeURIComponent(item.reviewItemId) + '/resolve', { method: 'POST', body: body });
      request
        .then(function () {
          showNotice(whole && whole.checked ? 'Resolved ' + groupSize + ' items.' : 'Resolved.');
          rerender();
        })
        .catch(function (err) {
          if (err.status === 401) return;
          error.textContent = 'Not resolved: ' + err.message;
          error.hidden = false;
        });
    });
    return form;
  }

  function reviewItem(item, index, groupSizes, rerender) {
    var extra = {};
    Object.keys(item).forEach(function (k) {
      if (REVIEW_KNOWN.indexOf(k) < 0) extra[k] = item[k];
    });
    var resolution = item.resolution;
    var candidates = (item.candidates || []).map(function (c) {
      return el('li', null, [
        el('strong', { text: c.name || 'tenant without a name' }),
        el('span', { className: 'muted', text: ' ' + c.tenantId }),
      ]);
    });
    return el('article', { className: 'review-item', 'aria-labelledby': 'item-' + index }, [
      el('h3', {
        id: 'item-' + index,
        text:
          'Item ' +
          (index + 1) +
          (item.open === false ? ' (from an earlier analysis)' : item.resolved ? ' (decided)' : ': to decide'),
      }),
      facts([
        [
          'Why it needs review',
          (item.triggers || [])
            .map(function (t) {
              return TRIGGER_WORDS[t] || humanize(t);
            })
            .join('; ') || '—',
        ],
        ['Records', (item.recordIds || []).join(', ')],
        item.group ? ['Group', item.group] : null,
        item.assignment ? ['Assigned to', item.assignment.to] : null,
        resolution
          ? [
              'Decided',
              (resolution.tenantId ? 'belongs to ' + resolution.tenantId : 'none of the tenants') +
                (resolution.by ? ', by ' + resolution.by : '') +
                (resolution.at ? ', ' + formatDate(resolution.at, true) : ''),
            ]
          : null,
        resolution && resolution.justification ? ['Reason given', resolution.justification] : null,
      ]),
      el('h4', { text: 'Candidate tenants' }),
      candidates.length
        ? el('ul', { className: 'candidates' }, candidates)
        : el('p', { className: 'muted', text: 'No candidates.' }),
      item.excerpts && item.excerpts.length ? el('h4', { text: 'Evidence in the text' }) : null,
      item.excerpts && item.excerpts.length
        ? el(
            'ul',
            { className: 'excerpts' },
            item.excerpts.map(function (x) {
              return el('li', null, [el('q', null, [typeof x === 'string' ? x : generic(x)])]);
            }),
          )
        : null,
      Object.keys(extra).length ? el('h4', { text: 'More about this item' }) : null,
      Object.keys(extra).length ? generic(extra) : null,
      has('reviewer') ? evidenceToggle(item) : null,
      undecided(item) && has('reviewer') ? resolveForm(item, groupSizes[item.group] || 1, rerender) : null,
    ]);
  }

  /**
   * The records and the evidence for and against each candidate, fetched when asked for: they
   * hold the exposed content, which the reviewer role may read (the API checks it again).
   */
  function evidenceToggle(item) {
    var box = el('div', { className: 'evidence', hidden: true });
    var button = el('button', { type: 'button', className: 'secondary', text: 'Show the records and the evidence' });
    button.setAttribute('aria-expanded', 'false');
    var loaded = false;
    button.addEventListener('click', function () {
      var open = box.hidden;
      box.hidden = !open;
      button.setAttribute('aria-expanded', String(open));
      button.textContent = open ? 'Hide the records and the evidence' : 'Show the records and the evidence';
      if (!open || loaded) return;
      loaded = true;
      box.replaceChildren(el('p', { className: 'muted', text: 'Loading…' }));
      api('/v1/reviews/' + encodeURIComponent(item.reviewItemId))
        .then(function (d) {
          box.replaceChildren(evidenceBlock(d.evidence || {}));
        })
        .catch(function (err) {
          loaded = false;
          box.replaceChildren(el('p', { className: 'error', role: 'alert', text: 'Not shown: ' + err.message }));
        });
    });
    return el('div', null, [button, box]);
  }

  function sentences(title, list) {
    return el('div', null, [
      el('h5', { text: title }),
      list && list.length
        ? el(
            'ul',
            { className: 'plain' },
            list.map(function (x) {
              return el('li', { text: String(x) });
            }),
          )
        : el('p', { className: 'muted', text: 'Nothing.' }),
    ]);
  }

  function evidenceBlock(e) {
    var parts = [];
    (e.why || []).forEach(function (w) {
      parts.push(el('p', { text: 'Raised because ' + w.explanation + '.' }));
    });
    (e.candidates || []).forEach(function (c) {
      parts.push(
        el('section', { className: 'candidate-evidence' }, [
          el('h4', { text: (c.name || 'tenant without a name') + ' (' + c.tenantId + ')' }),
          sentences('For', c.for),
          sentences('Against', c.against),
        ]),
      );
    });
    (e.records || []).forEach(function (r) {
      parts.push(
        el('section', { className: 'record-evidence' }, [
          el('h4', {
            text:
              'Record ' +
              r.recordId +
              (r.kind ? ' (' + r.kind + ')' : '') +
              (r.line !== null && r.line !== undefined ? ', line ' + r.line : ''),
          }),
          table(
            'What the record names',
            ['Element', 'Value', 'Belongs to', 'Points at', 'Why nobody'],
            (r.elements || []).map(function (x) {
              return [
                x.kind,
                x.value,
                (x.owners || [])
                  .map(function (o) {
                    return o.tenantId + ' by ' + o.signal;
                  })
                  .join('; ') || '—',
                (x.pointsAt || []).join(', ') || '—',
                x.unowned ? humanize(x.unowned) : '—',
              ];
            }),
            'The record names nothing the directory knows.',
          ),
          el('details', null, [
            el('summary', { text: 'The record as exposed' }),
            el('pre', { className: 'record-content', text: JSON.stringify(r.content, null, 2) }),
          ]),
          (r.notes || []).length ? sentences('Notes', r.notes) : null,
        ]),
      );
    });
    return el('div', null, parts);
  }

  function reviewShow(id, showAll) {
    var gen = generation;
    loading('Review queue');
    var render = function () {
      return Promise.all([
        api('/v1/campaigns/' + encodeURIComponent(id)),
        api('/v1/reviews?campaignId=' + encodeURIComponent(id) + (showAll ? '&all=true' : '')),
      ])
        .then(function (r) {
          if (gen !== generation) return;
          var c = r[0];
          var items = r[1].items || [];
          var left = items.filter(undecided).length;
          var groupSizes = {};
          items.filter(undecided).forEach(function (item) {
            groupSizes[item.group] = (groupSizes[item.group] || 0) + 1;
          });
          var toggle = el('input', { type: 'checkbox', id: 'show-resolved', checked: showAll });
          toggle.addEventListener('change', function () {
            showAll = toggle.checked;
            render();
          });
          screen('Review queue: ' + (c.title || 'campaign ' + short(id)), [
            el('p', null, [link('#/campaigns/' + encodeURIComponent(id), 'Back to the campaign')]),
            el('p', {
              className: 'muted',
              text:
                'These records could belong to a tenant, but the evidence is not certain enough to notify anyone on its own. ' +
                'Decide each: attribute it to one of the candidates, or to none.',
            }),
            el('p', {
              id: 'review-summary',
              className: left ? 'warn' : 'ok',
              text: left
                ? left +
                  ' of ' +
                  items.length +
                  ' items still to decide. The campaign cannot be approved until every item is decided.'
                : items.length
                  ? 'Every item is decided.'
                  : 'Nothing to review.',
            }),
            el('div', { className: 'choice' }, [
              toggle,
              el('label', { for: 'show-resolved', text: 'Also show items of earlier analyses' }),
            ]),
            has('reviewer')
              ? null
              : el('p', {
                  className: 'muted',
                  id: 'review-readonly',
                  text: 'Your role lets you read the queue; resolving needs the reviewer role.',
                }),
            items.length
              ? el(
                  'div',
                  { id: 'review-items' },
                  items.map(function (item, i) {
                    return reviewItem(item, i, groupSizes, render);
                  }),
                )
              : null,
          ]);
        })
        .catch(failed(gen));
    };
    render();
  }

  // ---- navigation and sign-in ----

  function route() {
    generation++;
    showError('');
    var hash = location.hash.replace(/^#\/?/, '');
    var parts = hash.split('/').map(function (p) {
      try {
        return decodeURIComponent(p);
      } catch (e) {
        return '';
      }
    });
    ['incidents', 'datasets', 'campaigns'].forEach(function (n) {
      var a = $('nav-' + n);
      if (parts[0] === n) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    });
    if (parts[0] === 'incidents' && parts[1]) return incidentShow(parts[1]);
    if (parts[0] === 'incidents') return incidentsList();
    if (parts[0] === 'datasets' && parts[1]) return datasetShow(parts[1]);
    if (parts[0] === 'datasets') return datasetsList();
    if (parts[0] === 'campaigns' && parts[1] && parts[2] === 'review') return reviewShow(parts[1], false);
    if (parts[0] === 'campaigns' && parts[1]) return campaignShow(parts[1]);
    if (parts[0] !== 'campaigns') return void (location.hash = '#/campaigns');
    return campaignsList();
  }

  function signedIn(profile) {
    me = profile;
    $('sign-in').hidden = true;
    $('who').hidden = false;
    $('nav').hidden = false;
    $('who-name').textContent = profile.operator;
    $('who-roles').textContent = 'roles: ' + profile.roles.join(', ');
    route();
  }

  function signOut(reason) {
    generation++;
    sessionStorage.removeItem(TOKEN_KEY);
    me = null;
    $('who').hidden = true;
    $('nav').hidden = true;
    $('view').hidden = true;
    clear($('view'));
    showError('');
    showNotice('');
    $('sign-in').hidden = false;
    $('sign-in-error').textContent = reason || '';
    $('sign-in-error').hidden = !reason;
    $('token-input').value = '';
    $('token-input').focus();
  }

  function trySignIn(candidate, remember) {
    $('sign-in-error').hidden = true;
    return api('/v1/operators/me', { token: candidate })
      .then(function (profile) {
        if (remember) sessionStorage.setItem(TOKEN_KEY, candidate);
        signedIn(profile);
      })
      .catch(function (err) {
        sessionStorage.removeItem(TOKEN_KEY);
        $('sign-in').hidden = false;
        var hint =
          err.status === 401
            ? ' Check that you pasted the whole token; if it still fails, ask whoever runs the service for a new one.'
            : err.status === 429
              ? ' Too many wrong tokens came from this address: wait a minute before trying again.'
              : '';
        $('sign-in-error').textContent = 'Sign-in refused: ' + err.message + '.' + hint;
        $('sign-in-error').hidden = false;
      });
  }

  document.addEventListener('DOMContentLoaded', function () {
    $('sign-in-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      var value = $('token-input').value.trim();
      if (value) trySignIn(value, true);
    });
    $('sign-out').addEventListener('click', function () {
      signOut('');
    });
    window.addEventListener('hashchange', function () {
      showNotice('');
      if (me) route();
    });
    var saved = token();
    if (saved) trySignIn(saved, false);
    else signOut('');
  });
})();
