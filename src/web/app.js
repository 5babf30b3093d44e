// Entry point: sign-in, then the live connection, the state and the renderers wired together.

import { ACTING_ROLES, clearToken, mayActOn, loadToken, saveToken, takeTokenFromHash, whoami } from './auth.js';
import { createConnection, liveUrl } from './connection.js';
import { fetchCustomerNames } from './customers.js';
import { ActionError, createActionDialogs, postAction } from './actions.js';
import { applyEvent, applySnapshot, createState, upsertIncident } from './state.js';
import { renderBoard, tickCountdowns } from './render-board.js';
import { renderConsoles, renderFeed, renderServers } from './render-side.js';

const $ = (id) => document.getElementById(id);
const state = createState();
const customers = new Map();
const dirty = { board: false, servers: false, consoles: false, feed: false };
let renderTimer = null;
let session = null; // { token, name, role, canAct, whoKnown, connection }

const serverName = (id) => (state.servers.get(id) || {}).name || id || 'unknown server';
const customerName = (id) => customers.get(id) || id || 'unknown customer';
const ctx = () => ({
  canAct: Boolean(session && session.canAct),
  mayActOn: (level) => Boolean(session && session.canAct && mayActOn(session.role, level)),
  serverName,
  customerName,
});

/** Coalesces bursts of events into one render, so a flapping console cannot make the page stutter. */
function queueRender(parts) {
  for (const k of Object.keys(dirty)) if (parts[k]) dirty[k] = true;
  if (renderTimer) return;
  renderTimer = setTimeout(renderNow, 50);
}

function renderNow() {
  renderTimer = null;
  const now = Date.now();
  // Server names appear on cards and feed lines, so a server change redraws those too.
  if (dirty.board || dirty.servers) renderBoard($('dashboard'), state, ctx(), now);
  if (dirty.servers) renderServers($('servers'), $('servers-summary'), state, customerName);
  if (dirty.consoles) renderConsoles($('consoles'), state);
  if (dirty.feed || dirty.servers) renderFeed($('feed'), state, serverName, customerName);
  for (const k of Object.keys(dirty)) dirty[k] = false;
  const open = state.incidents.size;
  const p1 = [...state.incidents.values()].filter((i) => i.priority === 'P1').length;
  $('board-summary').textContent = `${open} open · ${p1} P1`;
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

function onMessage(msg) {
  if (!msg || typeof msg !== 'object') return;
  if (msg.type === 'hello' || msg.type === 'resync') {
    const snap = msg.snapshot || {};
    for (const c of snap.customers || []) if (c && c.id) customers.set(c.id, c.name || c.id);
    applySnapshot(state, snap, msg.seq);
    queueRender({ board: true, servers: true, consoles: true, feed: true });
    if (msg.type === 'hello' && session && !session.whoKnown) refreshWho(session);
    if (session) learnCustomers(session, snap);
    return;
  }
  if (typeof msg.type !== 'string' || !msg.type.includes('.')) return;
  const changed = applyEvent(state, msg);
  if (changed.created) {
    const i = changed.created;
    announce(`New L${i.level} ${i.priority} incident ${i.id}: ${i.title} on ${serverName(i.serverId)}`);
  }
  queueRender(changed);
}

const CONN_TEXT = { connecting: 'Connecting…', connected: 'Live', reconnecting: 'Reconnecting…', offline: 'Offline' };
function onStatus(s, detail) {
  $('conn').dataset.state = s;
  $('conn-text').textContent = CONN_TEXT[s] + (detail && s !== 'connected' ? ` (${detail})` : '');
}

function showSignIn(error) {
  $('dashboard').hidden = true;
  $('signin').hidden = false;
  $('who').hidden = true;
  $('sign-out').hidden = true;
  $('signin-error').textContent = error || '';
  $('signin-error').hidden = !error;
  $('token-input').focus();
}

async function startSession(token) {
  const who = await whoami(token);
  if (who.rejected) {
    clearToken();
    showSignIn('That token was not accepted. Check it and try again.');
    return;
  }
  const connection = createConnection({
    url: liveUrl(location),
    token,
    onMessage,
    onStatus,
    getLastSeq: () => state.lastSeq,
    onAuthFailed: () => signOut('The live feed refused this token. Sign in again.'),
  });
  session = { token, connection };
  setWho(session, who);
  $('signin').hidden = true;
  $('dashboard').hidden = false;
  $('who').hidden = false;
  $('sign-out').hidden = false;
  queueRender({ board: true, servers: true, consoles: true, feed: true });
  connection.start();
}

function setWho(s, who) {
  s.name = who.name;
  s.role = who.role;
  s.canAct = ACTING_ROLES.has(who.role);
  s.whoKnown = who.known;
  $('who').textContent = `${who.name || 'Signed in'} · ${who.role}${s.canAct ? '' : ' (read-only)'}`;
}

/** Names customers the page has not named yet; asks the daemon once per session unless new ids appear. */
async function learnCustomers(s, snap) {
  const ids = new Set([...(snap.servers || []), ...(snap.incidents || [])].map((x) => x && x.customerId).filter(Boolean));
  const unknown = [...ids].some((id) => !customers.has(id));
  if (s.customersAsked && !unknown) return;
  s.customersAsked = true;
  const names = await fetchCustomerNames(s.token);
  if (session !== s || names.size === 0) return;
  for (const [id, name] of names) customers.set(id, name);
  queueRender({ board: true, servers: true, feed: true });
}

/** The daemon was unreachable at sign-in, so the role is a guess; ask again now that it answers. */
async function refreshWho(s) {
  const who = await whoami(s.token);
  if (session !== s || !who.known) return;
  setWho(s, who);
  queueRender({ board: true });
}

function signOut(error) {
  if (session) session.connection.stop();
  session = null;
  clearToken();
  applySnapshot(state, {}, 0);
  state.feed.length = 0;
  showSignIn(error);
}

function afterAction(message, incident) {
  if (incident && upsertIncident(state, incident)) queueRender({ board: true });
  flash(message, false);
}

function wire() {
  const dialogs = createActionDialogs({ getToken: () => session && session.token, onDone: afterAction });
  // One delegated listener for every card button: cards come and go with the live feed.
  $('dashboard').addEventListener('click', async (e) => {
    const button = e.target.closest('button[data-action]');
    if (!button || !session) return;
    const incident = state.incidents.get(button.dataset.id);
    if (!incident) return;
    const action = button.dataset.action;
    if (action !== 'acknowledge') return dialogs.open(action, incident, button);
    button.disabled = true;
    try {
      const updated = await postAction(session.token, incident.id, 'acknowledge', {});
      afterAction(`${incident.id} acknowledged.`, updated);
    } catch (err) {
      flash(`Could not acknowledge ${incident.id}: ${err instanceof ActionError ? err.message : 'unexpected error'}`, true);
    } finally {
      button.disabled = false;
    }
  });
  $('signin-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const token = $('token-input').value.trim();
    if (!token) return showSignIn('Enter your access token.');
    saveToken(token, $('remember').checked);
    $('token-input').value = '';
    startSession(token);
  });
  $('sign-out').addEventListener('click', () => signOut(''));
  // Countdowns move every second without touching anything else on the page.
  setInterval(() => tickCountdowns($('dashboard'), state, Date.now()), 1000);
}

wire();
const initial = takeTokenFromHash() || loadToken();
if (initial) startSession(initial);
else showSignIn('');
