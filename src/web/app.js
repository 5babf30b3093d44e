/* global navigator, CSS */
// Entry point: sign-in, reference data, the live connection, the state, the renderers and the incident
// detail wired together. Everything the page shows goes through h() (dom.js); nothing is inserted as HTML.

import { ActionError, DONE_TEXT, postAction } from './actions.js';
import { clearToken, loadToken, permissionsFor, saveToken, takeTokenFromHash, whoami } from './auth.js';
import { createServerClock } from './clock.js';
import { createConnection, liveUrl } from './connection.js';
import { h } from './dom.js';
import { createDetailPanel, hashIncident } from './detail-panel.js';
import { createLogForm } from './log-form.js';
import { fetchOpenIncidents, loadReference } from './reference.js';
import { renderIncidents, showMode, tickCountdowns } from './render-board.js';
import { renderConsoles, renderFeed, renderServers } from './render-side.js';
import {
  DEFAULT_FILTERS, RECENT_EVENTS, absorbFull, applyEvent, applySnapshot, createState,
  headerCounts, liveFilterFor, parsePrefs, reconcile, sameLiveFilter, serializePrefs, upsertIncident, visibleIncidents,
} from './state.js';
import { tickAges } from './widgets.js';

const $ = (id) => document.getElementById(id);
const PREFS_KEY = 'escalatord.prefs';
const state = createState();
/** The daemon's time: every countdown and age is counted from it, not from this machine's clock. */
const clock = createServerClock();
const dirty = { board: false, servers: false, consoles: false, feed: false, detail: false };
/** Errors shown next to the control that was used, keyed `<incident>/<action>[/<step>]`. */
const errors = new Map();
let reference = { customers: new Map(), policy: null, roles: null, requests: null };
let policyVersion = 0;
let prefs = readPrefs();
let renderTimer = null;
let session = null; // { token, name, role, perms, whoKnown, connection, prefetched }

function readPrefs() {
  try {
    return parsePrefs(localStorage.getItem(PREFS_KEY));
  } catch {
    return parsePrefs(null);
  }
}

function savePrefs() {
  try {
    localStorage.setItem(PREFS_KEY, serializePrefs(prefs));
  } catch {
    // Private mode or a full quota: the choice lasts for this page only.
  }
}

const serverName = (id) => (state.servers.get(id) || {}).name || id || 'unknown server';
const customerName = (id) => (reference.customers.get(id) || {}).name || id || 'unknown customer';
const names = { server: serverName, customer: customerName };
const may = (action, incident) => Boolean(session && session.perms.may(action, incident));
const panel = createDetailPanel({
  state, clock, errors, may, customerName, serverName, queueRender, flash,
  getSession: () => session,
  getReference: () => reference,
});
const { detail } = panel;
const filtered = () => Object.entries(prefs.filters).some(([k, v]) => v !== DEFAULT_FILTERS[k]);

/** Coalesces bursts of events into one render, so a flapping console cannot make the page stutter. */
function queueRender(parts) {
  for (const k of Object.keys(dirty)) if (parts[k]) dirty[k] = true;
  if (renderTimer) return;
  renderTimer = setTimeout(renderNow, 50);
}

function renderNow() {
  renderTimer = null;
  const now = clock.now();
  if (dirty.board || dirty.servers) {
    const all = [...state.incidents.values()];
    const shown = visibleIncidents(state, prefs.filters, names, now);
    renderIncidents($('dashboard'), shown, { may, serverName, customerName, policy: reference.policy, policyVersion, mode: prefs.mode, filtered: filtered() }, now);
    const counts = headerCounts(all, now);
    for (const chip of $('counts').children) {
      const value = counts[chip.dataset.countOf];
      chip.querySelector('b').textContent = String(value);
      chip.classList.toggle('is-zero', value === 0);
    }
    $('shown').textContent = filtered() ? `Showing ${shown.length} of ${all.length}` : '';
  }
  if (dirty.servers) renderServers($('servers'), $('servers-summary'), state, customerName, now);
  if (dirty.consoles) renderConsoles($('consoles'), state, now);
  if (dirty.feed || dirty.servers) renderFeed($('feed'), state, serverName, customerName, now);
  if (dirty.detail) panel.render();
  for (const k of Object.keys(dirty)) dirty[k] = false;
}

function announce(text) {
  const line = document.createElement('p');
  line.textContent = text;
  $('announcer').append(line);
  // Keep the live region small; screen readers have already read older lines.
  while ($('announcer').children.length > 5) $('announcer').firstElementChild.remove();
}

function flash(text, isError) {
  const el = $('flash');
  el.textContent = text;
  el.classList.toggle('flash-error', Boolean(isError));
  el.setAttribute('role', isError ? 'alert' : 'status');
  el.hidden = false;
  clearTimeout(flash.timer);
  flash.timer = setTimeout(() => { el.hidden = true; }, isError ? 12_000 : 5_000);
}

// ---- the live feed -----------------------------------------------------------------------------------

function onMessage(msg) {
  if (!msg || typeof msg !== 'object') return;
  if (msg.type === 'hello' || msg.type === 'resync') {
    // Only a hello's snapshot is built as it is sent; a resync may come from an older one.
    if (msg.type === 'hello' && msg.snapshot) clock.observe(msg.snapshot.at);
    applySnapshot(state, msg.snapshot || {}, msg.seq);
    if (session && session.prefetched) {
      absorbFull(state, session.prefetched);
      session.prefetched = null;
    }
    queueRender({ board: true, servers: true, consoles: true, feed: true, detail: true });
    if (detail.id) panel.scheduleFetch();
    if (msg.type === 'hello' && session && (!session.whoKnown || !reference.roles)) refreshWho(session);
    return;
  }
  if (typeof msg.type !== 'string' || !msg.type.includes('.')) return;
  const changed = applyEvent(state, msg);
  if (changed.created) {
    const i = changed.created;
    announce(`New L${i.level} ${i.priority} incident ${i.id}: ${i.title} on ${serverName(i.serverId)}`);
  }
  if (detail.id && changed.incidentId === detail.id && changed.feed) panel.scheduleFetch();
  queueRender({ ...changed, detail: Boolean(detail.id) && (changed.incidentId === detail.id || changed.servers) });
}

const CONN_TEXT = { connecting: 'Connecting…', connected: 'Live', reconnecting: 'Reconnecting…', offline: 'Offline' };
function onStatus(s, detailText) {
  $('conn').dataset.state = s;
  $('conn-text').textContent = CONN_TEXT[s] + (detailText && s !== 'connected' ? ` (${detailText})` : '');
}

// ---- sign-in and the session -------------------------------------------------------------------------

function showSignIn(error) {
  $('dashboard').hidden = true;
  $('detail').hidden = true;
  $('signin').hidden = false;
  $('who').hidden = true;
  $('sign-out').hidden = true;
  $('signin-error').textContent = error || '';
  $('signin-error').hidden = !error;
  const target = hashIncident();
  $('signin-target').textContent = target ? `After signing in, ${target} opens.` : '';
  $('signin-target').hidden = !target;
  $('token-input').focus();
}

async function startSession(token) {
  state.liveFilter = liveFilterFor(prefs.filters);
  // Reference data and the open incidents in full are asked for together with whoami, so the first
  // paint already has customer names, calendars and every escalation's who and when.
  const [who, ref, open] = await Promise.all([whoami(token), loadReference(token), fetchOpenIncidents(token, state.liveFilter)]);
  if (who.rejected) {
    clearToken();
    showSignIn('That token was not accepted. Check it and try again.');
    return;
  }
  reference = ref;
  policyVersion += 1;
  const connection = createConnection({
    url: liveUrl(location),
    token,
    onMessage,
    onStatus,
    getLastSeq: () => state.lastSeq,
    getFilter: () => state.liveFilter,
    recent: RECENT_EVENTS,
    onAuthFailed: () => signOut('The live feed refused this token. Sign in again.'),
  });
  session = { token, connection, prefetched: open.items };
  setWho(session, who);
  fillCustomerFilter();
  $('signin').hidden = true;
  $('dashboard').hidden = false;
  $('who').hidden = false;
  $('sign-out').hidden = false;
  queueRender({ board: true, servers: true, consoles: true, feed: true });
  connection.start();
  panel.syncToHash();
}

function setWho(s, who) {
  s.name = who.name;
  s.role = who.role;
  s.perms = permissionsFor(who.role, reference.roles);
  s.whoKnown = who.known;
  $('who').textContent = `${who.name || 'Signed in'} · ${who.role}${s.perms.acts ? '' : ' (read-only)'}`;
  // The seed's First Level desk: the role table says who logs faults and requests (the Service Provider's people).
  $('log-open').hidden = !s.perms.may('log');
}

/** The daemon was unreachable at sign-in, so the role or its table is missing; ask again now that it answers. */
async function refreshWho(s) {
  const [who, ref] = await Promise.all([whoami(s.token), reference.roles ? Promise.resolve(null) : loadReference(s.token)]);
  if (session !== s || (!who.known && !ref)) return;
  if (ref) {
    reference = ref;
    policyVersion += 1;
    fillCustomerFilter();
  }
  // A whoami that failed again keeps what the session knew; the role table may still have arrived.
  setWho(s, who.known ? who : { name: s.name, role: s.role, known: s.whoKnown });
  queueRender({ board: true, servers: true, feed: true, detail: true });
}

function signOut(error) {
  if (session) session.connection.stop();
  session = null;
  clearToken();
  applySnapshot(state, {}, 0);
  state.feed.length = 0;
  panel.close(false);
  showSignIn(error);
}

// ---- filters and view mode ---------------------------------------------------------------------------

function fillCustomerFilter() {
  const select = $('f-customer');
  const list = [...reference.customers.values()].sort((a, b) => a.name.localeCompare(b.name));
  const chosen = prefs.filters.customer;
  const options = [h('option', { value: '' }, 'All customers'), ...list.map((c) => h('option', { value: c.id }, c.name))];
  // A saved customer the daemon no longer names still shows, so the filter is never silently dropped.
  if (chosen && !reference.customers.has(chosen)) options.push(h('option', { value: chosen }, chosen));
  select.replaceChildren(...options);
  select.value = chosen;
}

function showPrefs() {
  const form = $('filters');
  for (const [key, value] of Object.entries(prefs.filters)) {
    const input = form.elements.namedItem(key);
    if (input && input.value !== value) input.value = value;
  }
  for (const b of document.querySelectorAll('.view-switch [data-mode]')) b.setAttribute('aria-pressed', String(b.dataset.mode === prefs.mode));
  showMode($('dashboard'), prefs.mode);
}

let resubscribeTimer = null;
function onFiltersChanged() {
  const form = $('filters');
  const read = (k) => String((form.elements.namedItem(k) || {}).value || '');
  prefs = { ...prefs, filters: { level: read('level'), priority: read('priority'), customer: read('customer'), status: read('status'), q: read('q') } };
  savePrefs();
  queueRender({ board: true });
  const live = liveFilterFor(prefs.filters);
  if (!sameLiveFilter(live, state.liveFilter)) {
    state.liveFilter = live;
    // A narrower or wider subscription needs a fresh snapshot: events outside the old filter never came.
    clearTimeout(resubscribeTimer);
    resubscribeTimer = setTimeout(() => session && session.connection.restart(), 300);
  }
}

/** The quick Acknowledge on a card or a row: its refusal is shown under the button and in the flash. */
async function quickAcknowledge(button) {
  const incident = state.incidents.get(button.dataset.id);
  if (!incident || !session) return;
  const key = `${incident.id}/acknowledge`;
  button.disabled = true;
  const line = () => button.closest('li.card, tr')?.querySelector(`[data-error-for="${CSS.escape(key)}"]`);
  try {
    const updated = await postAction(session.token, incident.id, 'acknowledge', {});
    errors.delete(key);
    if (updated && upsertIncident(state, updated)) queueRender({ board: true, detail: true });
    flash(DONE_TEXT.acknowledge(incident.id), false);
  } catch (err) {
    const message = err instanceof ActionError ? err.message : 'unexpected error';
    errors.set(key, message);
    const el = line();
    if (el) {
      el.textContent = message;
      el.hidden = false;
    }
    flash(`Could not acknowledge ${incident.id}: ${message}`, true);
  } finally {
    button.disabled = false;
  }
}

/**
 * With a level filter, an incident escalated out of it sends this page no event (events carry the level
 * after the change), so the open list is read again now and then and what left is dropped.
 */
async function reconcileLevels() {
  const s = session;
  if (!s || !state.liveFilter || state.liveFilter.levels.length === 0) return;
  const before = new Map(state.incidents);
  const open = await fetchOpenIncidents(s.token, state.liveFilter);
  if (session !== s || !open.complete) return;
  reconcile(state, before, open.items);
  queueRender({ board: true, detail: Boolean(detail.id) });
}

// ---- wiring ------------------------------------------------------------------------------------------

function wire() {
  const logForm = createLogForm({
    getToken: () => session && session.token,
    getReference: () => reference,
    onLogged: (incident, linked, answer) => {
      if (!incident || !incident.id) return;
      if (upsertIncident(state, incident)) queueRender({ board: true });
      flash(linked
        ? `Added to ${incident.id}, already open on this server${answer.openIncidents && answer.openIncidents.length > 1 ? ` (open: ${answer.openIncidents.join(', ')})` : ''}.`
        : `${incident.id} logged.`, false);
      location.hash = `incident=${encodeURIComponent(incident.id)}`;
    },
  });
  $('log-open').addEventListener('click', (e) => logForm.open(e.currentTarget));

  $('dashboard').addEventListener('click', (e) => {
    const button = e.target.closest('button[data-action="acknowledge"][data-id]');
    if (button) quickAcknowledge(button);
    const mode = e.target.closest('.view-switch [data-mode]');
    if (mode) {
      prefs = { ...prefs, mode: mode.dataset.mode === 'list' ? 'list' : 'board' };
      savePrefs();
      showPrefs();
      queueRender({ board: true });
    }
  });
  $('filters').addEventListener('input', onFiltersChanged);
  $('filters').addEventListener('change', onFiltersChanged);
  $('filters').addEventListener('submit', (e) => e.preventDefault());
  $('f-clear').addEventListener('click', () => {
    $('filters').reset();
    $('f-customer').value = '';
    onFiltersChanged();
  });

  $('detail').addEventListener('submit', (e) => {
    e.preventDefault();
    panel.submit(e.target);
  });
  $('detail').addEventListener('toggle', (e) => {
    if (e.target.classList && e.target.classList.contains('diagnostics')) detail.diagOpen = e.target.open;
  }, true);
  $('detail-close').addEventListener('click', () => panel.close());
  $('detail-copy').addEventListener('click', async () => {
    const url = `${location.origin}${location.pathname}#incident=${encodeURIComponent(detail.id || '')}`;
    try {
      await navigator.clipboard.writeText(url);
      $('detail-status').textContent = 'Link copied.';
    } catch {
      $('detail-status').textContent = url;
    }
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && detail.id && !document.querySelector('dialog[open]')) panel.close();
  });
  window.addEventListener('hashchange', () => panel.syncToHash());

  $('signin-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const token = $('token-input').value.trim();
    if (!token) return showSignIn('Enter your access token.');
    saveToken(token, $('remember').checked);
    $('token-input').value = '';
    startSession(token);
  });
  $('sign-out').addEventListener('click', () => signOut(''));

  // Countdowns move every second without touching anything else on the page; ages and the triage
  // order (an incident turning at-risk moves up) follow every few seconds.
  setInterval(() => tickCountdowns(document.body, (id) => (id === detail.id ? panel.shown() : state.incidents.get(id)), clock.now()), 1000);
  setInterval(() => {
    tickAges(document.body, clock.now());
    if (session) queueRender({ board: true });
  }, 5000);
  setInterval(reconcileLevels, 30_000);
}

wire();
showPrefs();
const initial = takeTokenFromHash() || loadToken();
if (initial) startSession(initial);
else showSignIn('');
