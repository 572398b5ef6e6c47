// The trail viewer. Plain browser JavaScript, no framework and no build step (see docs/decisions.md).
// Safety rule: event content is attacker-controlled text, so it only ever reaches the page through
// textContent / setAttribute on elements built here, never parsed as HTML. The server adds a strict CSP.
'use strict';

(function () {
  const TOKEN_KEY = 'auditline.token';
  const SEARCH = '/ui/api/search';
  const FILTERS = ['correlation_id', 'event_type', 'event_category', 'event_outcome',
    'actor_id', 'resource_type', 'resource_id'];
  const CSV_COLUMNS = ['event_id', 'event_timestamp', 'event_type', 'event_category', 'event_action',
    'event_outcome', 'correlation_id', 'parent_event_id', 'actor_type', 'actor_id', 'actor_ip',
    'resource_type', 'resource_id', 'resource_name', 'severity', 'duration_ms', 'error_code',
    'error_message', 'namespace', 'cluster_id', 'trace_id', 'span_id', 'ingested_at', 'ingested_by',
    'version', 'event_data'];

  const $ = (id) => document.getElementById(id);
  const form = $('search');
  const state = { query: null, cursors: [null], page: 0, next: null, tail: null };

  // ---- DOM helpers: the only way text gets onto the page ----
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') node.className = v; else node.setAttribute(k, v);
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    }
    return node;
  }
  function text(v) { return v === null || v === undefined ? '' : String(v); }
  function status(message, isError) {
    const s = $('status');
    s.textContent = message || '';
    s.classList.toggle('error', !!isError);
  }

  // ---- auth: ask once, keep in sessionStorage, send as Bearer ----
  function headers() {
    const token = sessionStorage.getItem(TOKEN_KEY);
    return token ? { Authorization: 'Bearer ' + token } : {};
  }
  async function api(path) {
    const response = await fetch(path, { headers: headers() });
    if (response.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY);
      await askToken('The server did not accept the token; enter it again.');
      return api(path);
    }
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      throw new Error((body.title || ('HTTP ' + response.status)) + (body.detail ? ': ' + body.detail : ''));
    }
    return body;
  }
  function askToken(message) {
    return new Promise((resolve) => {
      const dialog = $('token-dialog');
      const error = $('token-error');
      error.hidden = !message;
      error.textContent = message || '';
      $('token-form').onsubmit = () => {
        sessionStorage.setItem(TOKEN_KEY, $('token-input').value.trim());
        $('token-input').value = '';
        dialog.close();
        showWho();
        resolve();
      };
      if (!dialog.open) dialog.showModal();
    });
  }
  function showWho() {
    $('who').textContent = sessionStorage.getItem(TOKEN_KEY) ? 'signed in with a token (this tab)' : '';
  }

  // ---- the search form <-> query parameters ----
  function utc(local) {
    if (!local) return null;
    return (local.length === 16 ? local + ':00' : local) + 'Z';
  }
  function readForm() {
    const data = new FormData(form);
    const q = {};
    for (const f of FILTERS) {
      const v = (data.get(f) || '').trim();
      if (v) q[f] = v;
    }
    const range = data.get('range');
    if (range === 'custom') {
      if (data.get('since')) q.since = utc(data.get('since'));
      if (data.get('until')) q.until = utc(data.get('until'));
    } else if (range) {
      q.since = range;
    }
    q.order = data.get('order');
    q.limit = data.get('limit');
    return q;
  }
  function queryString(q, extra) {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(Object.assign({}, q, extra || {}))) {
      if (v !== null && v !== undefined && v !== '') p.set(k, v);
    }
    return p.toString();
  }
  function writeHash(q) {
    history.replaceState(null, '', '#' + queryString(q));
  }
  function readHash() {
    const p = new URLSearchParams(location.hash.slice(1));
    for (const f of FILTERS.concat(['order', 'limit'])) {
      if (p.has(f) && form.elements[f]) form.elements[f].value = p.get(f);
    }
    if (p.has('since') && /^\d+[smhd]$/.test(p.get('since'))) form.elements.range.value = p.get('since');
    return p;
  }

  // ---- results table with keyset paging ----
  async function search(resetPaging) {
    if (resetPaging) {
      state.query = readForm();
      state.cursors = [null];
      state.page = 0;
      writeHash(state.query);
    }
    status('Searching…');
    try {
      const cursor = state.cursors[state.page];
      const body = await api(SEARCH + '?' + queryString(state.query, { cursor: cursor, view: 'search' }));
      renderRows(body.events);
      state.next = body.next_cursor;
      $('prev-page').disabled = state.page === 0;
      $('next-page').disabled = !state.next;
      $('page-label').textContent = 'page ' + (state.page + 1);
      $('result-count').textContent = body.events.length + (state.next ? '+ ' : ' ') +
        (body.events.length === 1 ? 'event' : 'events') + ' on this page';
      status('');
    } catch (e) {
      status(e.message, true);
    }
  }
  function outcomeBadge(outcome) {
    return el('span', { class: 'badge ' + text(outcome) }, text(outcome));
  }
  function row(e, fresh) {
    const corr = el('a', { class: 'corr', href: '#' }, text(e.correlation_id));
    corr.addEventListener('click', (ev) => { ev.preventDefault(); openTimeline(e.correlation_id); });
    const tr = el('tr', { class: (e.event_outcome === 'failure' ? 'failure' : '') + (fresh ? ' fresh' : ''),
      'data-event-id': text(e.event_id) },
      el('td', { class: 'time' }, text(e.event_timestamp)),
      el('td', {}, text(e.event_type)),
      el('td', {}, outcomeBadge(e.event_outcome)),
      el('td', {}, text(e.actor_id)),
      el('td', {}, text(e.resource_type) + '/' + text(e.resource_id)),
      el('td', {}, corr));
    tr.title = 'event ' + text(e.event_id);
    return tr;
  }
  function renderRows(events) {
    const tbody = $('results').tBodies[0];
    tbody.replaceChildren();
    if (events.length === 0) {
      tbody.appendChild(el('tr', {}, el('td', { class: 'empty', colspan: '6' }, 'No events match.')));
    }
    for (const e of events) tbody.appendChild(row(e, false));
  }

  // ---- the correlation timeline ----
  async function fetchAll(q, view, onPage) {
    const events = [];
    let cursor = null;
    do {
      const body = await api(SEARCH + '?' + queryString(q, { cursor: cursor, view: view, limit: 1000 }));
      events.push(...body.events);
      cursor = body.next_cursor;
      if (onPage) onPage(events.length);
    } while (cursor);
    return events;
  }
  function orderSteps(events) {
    const byTime = (a, b) => (a.event_timestamp < b.event_timestamp ? -1 : a.event_timestamp > b.event_timestamp ? 1
      : a.event_id < b.event_id ? -1 : 1);
    const ids = new Map(events.map((e) => [e.event_id, e]));
    const children = new Map();
    const roots = [];
    for (const e of events) {
      const p = e.parent_event_id;
      if (p && ids.has(p) && p !== e.event_id) {
        if (!children.has(p)) children.set(p, []);
        children.get(p).push(e);
      } else {
        roots.push(e);
      }
    }
    const out = [];
    const seen = new Set();
    const walk = (e, depth) => {
      if (seen.has(e.event_id)) return;
      seen.add(e.event_id);
      out.push({ event: e, depth: depth });
      for (const c of (children.get(e.event_id) || []).sort(byTime)) walk(c, depth + 1);
    };
    roots.sort(byTime).forEach((e) => walk(e, 0));
    events.filter((e) => !seen.has(e.event_id)).sort(byTime).forEach((e) => walk(e, 0));
    return out;
  }
  function micros(ts) { // RFC 3339 with up to 6 fraction digits, as the API serves it
    const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(ts);
    if (!m) return Date.parse(ts) * 1000;
    return Date.parse(m[1] + 'Z') * 1000 + Number(((m[2] || '') + '000000').slice(0, 6));
  }
  function duration(us) {
    const ms = Math.round(us / 1000);
    if (ms < 1000) return ms + ' ms';
    if (ms < 60000) return (ms / 1000).toFixed(3) + ' s';
    const m = Math.floor(ms / 60000);
    if (m < 60) return m + ' min ' + ((ms % 60000) / 1000).toFixed(1) + ' s';
    return Math.floor(m / 60) + ' h ' + (m % 60) + ' min';
  }
  async function openTimeline(correlationId) {
    const section = $('timeline-section');
    section.hidden = false;
    $('timeline-title').textContent = correlationId;
    const list = $('timeline');
    list.replaceChildren();
    status('Loading the timeline…');
    try {
      const events = await fetchAll({ correlation_id: correlationId, order: 'asc' }, 'timeline');
      const steps = orderSteps(events);
      const first = Math.min(...events.map((e) => micros(e.event_timestamp)));
      const last = Math.max(...events.map((e) => micros(e.event_timestamp)));
      const failures = events.filter((e) => e.event_outcome === 'failure').length;
      $('timeline-summary').textContent = events.length + ' steps over ' + duration(last - first) + ', ' +
        failures + (failures === 1 ? ' failure' : ' failures');
      let previous = null;
      for (const s of steps) {
        const e = s.event;
        const t = micros(e.event_timestamp);
        if (previous !== null && t - previous > 0) {
          list.appendChild(el('li', { class: 'gap' }, '⋮ ' + duration(t - previous) + ' later'));
        }
        previous = t;
        list.appendChild(step(e, s.depth, t - first));
      }
      section.scrollIntoView({ behavior: 'smooth', block: 'start' });
      status('');
    } catch (e) {
      status(e.message, true);
    }
  }
  function step(e, depth, offsetUs) {
    const li = el('li', { class: 'step' + (e.event_outcome === 'failure' ? ' failure' : ''),
      'data-event-id': text(e.event_id) });
    li.style.marginLeft = (8 + depth * 28) + 'px';
    li.appendChild(el('div', { class: 'step-head' },
      el('span', { class: 'step-offset' }, '+' + duration(offsetUs)),
      el('span', { class: 'step-type' }, text(e.event_type)),
      outcomeBadge(e.event_outcome),
      el('span', { class: 'step-meta' }, text(e.actor_type) + '/' + text(e.actor_id) + ' → ' +
        text(e.resource_type) + '/' + text(e.resource_id)),
      el('span', { class: 'step-meta mono' }, text(e.event_timestamp))));
    if (e.error_code || e.error_message) {
      li.appendChild(el('div', { class: 'step-error' },
        [text(e.error_code), text(e.error_message)].filter(Boolean).join(': ')));
    }
    const details = el('details', {},
      el('summary', {}, 'event_data'),
      el('pre', {}, JSON.stringify(e.event_data === undefined ? {} : e.event_data, null, 2)));
    if (e.event_outcome === 'failure') details.open = true;
    li.appendChild(details);
    return li;
  }

  // ---- download of the current search ----
  function csvCell(v) {
    let s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    if (s && '=+-@\t\r'.includes(s[0])) s = "'" + s; // a spreadsheet must not run it as a formula
    return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }
  async function download(format) {
    const q = state.query || readForm();
    status('Preparing the download…');
    try {
      const events = await fetchAll(Object.assign({}, q, { order: 'asc' }), 'download',
        (n) => status('Preparing the download… ' + n + ' events'));
      const body = format === 'csv'
        ? CSV_COLUMNS.join(',') + '\r\n' + events.map((e) => CSV_COLUMNS.map((c) => csvCell(e[c])).join(',') + '\r\n').join('')
        : events.map((e) => JSON.stringify(e) + '\n').join('');
      const blob = new Blob([body], { type: format === 'csv' ? 'text/csv' : 'application/x-ndjson' });
      const a = el('a', { href: URL.createObjectURL(blob), download: 'audit-events.' + format });
      document.body.appendChild(a);
      a.click();
      a.remove();
      status('Downloaded ' + events.length + ' events as ' + format.toUpperCase() + '.');
    } catch (e) {
      status(e.message, true);
    }
  }


  // ---- live tail: new events in commit order from the log entries endpoint ----
  const LOG = '/api/v1/audit/log/entries';
  function matches(e, q) {
    return FILTERS.every((f) => !q[f] || text(e[f]) === q[f]);
  }
  async function logPage(after, wait, signal) {
    const response = await fetch(LOG + '?' + queryString({ after: after, limit: 1000, wait: wait }),
      { headers: headers(), signal: signal });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      const error = new Error((body.title || ('HTTP ' + response.status)) + (body.detail ? ': ' + body.detail : ''));
      error.status = response.status;
      throw error;
    }
    return response.json();
  }
  async function startTail() {
    const q = readForm();
    const controller = new AbortController();
    state.tail = controller;
    try {
      // recorded like a search: who started following which filters
      await api(SEARCH + '?' + queryString(q, { view: 'tail', limit: 1 }));
      let after = (await logPage(-1, '0s', controller.signal)).log_size - 1;
      const tbody = $('results').tBodies[0];
      const empty = tbody.querySelector('td.empty');
      if (empty) empty.parentNode.remove();
      let backoff = 200;
      status('Live tail: waiting for new events…');
      while (!controller.signal.aborted) {
        let page;
        try {
          page = await logPage(after, '20s', controller.signal);
          backoff = 200;
        } catch (e) {
          if (controller.signal.aborted) return;
          if (e.status && e.status < 500 && e.status !== 429) throw e;
          status('Live tail: ' + e.message + '; retrying…', true);
          await new Promise((r) => setTimeout(r, backoff));
          backoff = Math.min(backoff * 2, 5000);
          continue;
        }
        for (const entry of page.entries) {
          after = Math.max(after, entry.log_index);
          if (entry.event && matches(entry.event, q)) {
            tbody.insertBefore(row(entry.event, true), tbody.firstChild);
            while (tbody.rows.length > 500) tbody.lastChild.remove();
          }
        }
        status('Live tail: following after log index ' + after + '.');
      }
    } catch (e) {
      if (!controller.signal.aborted) {
        status(e.message, true);
        $('tail-toggle').checked = false;
      }
    }
  }
  function stopTail() {
    if (state.tail) state.tail.abort();
    state.tail = null;
    status('');
  }

  // ---- wiring ----
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (state.tail) { $('tail-toggle').checked = false; stopTail(); }
    search(true);
  });
  form.elements.range.addEventListener('change', () =>
    form.classList.toggle('custom-range', form.elements.range.value === 'custom'));
  $('reset-button').addEventListener('click', () => { form.reset(); search(true); });
  $('next-page').addEventListener('click', () => {
    if (!state.next) return;
    state.cursors[state.page + 1] = state.next;
    state.page++;
    search(false);
  });
  $('prev-page').addEventListener('click', () => { if (state.page > 0) { state.page--; search(false); } });
  $('close-timeline').addEventListener('click', () => { $('timeline-section').hidden = true; });
  $('download-csv').addEventListener('click', () => download('csv'));
  $('download-ndjson').addEventListener('click', () => download('ndjson'));
  $('tail-toggle').addEventListener('change', (ev) => (ev.target.checked ? startTail() : stopTail()));

  async function start() {
    const hash = readHash();
    // /api/v1/limits needs no permission: a 401 there means auth is on and we need a token
    const probe = await fetch('/api/v1/limits', { headers: headers() });
    if (probe.status === 401) await askToken(sessionStorage.getItem(TOKEN_KEY) ? 'The token was not accepted.' : '');
    showWho();
    await search(true);
    if (hash.get('timeline')) await openTimeline(hash.get('timeline'));
    document.body.setAttribute('data-ready', 'true');
  }
  start();
})();
