// The dashboard's picture of the daemon, fed by the live protocol (DESIGN §9) and the REST API, and the
// rules that order and filter it. No DOM and no clock reads here: every function takes the state (and
// `now` where time matters) and returns what changed, so rendering stays dumb and this file is unit-tested.

/** How many feed lines are kept; older ones fall off so a long-open tab does not grow without bound. */
export const FEED_LIMIT = 200;

/** How many events before the hello the feed asks to see again, so it is not empty on load. */
export const RECENT_EVENTS = 50;

export const LEVEL_FILTERS = ['', '1', '2', '3'];
export const PRIORITY_FILTERS = ['', 'P1', 'P2', 'P3', 'P4'];
export const STATUS_FILTERS = ['', 'open', 'acknowledged', 'in-progress', 'awaiting-customer'];
export const MODES = ['board', 'list'];
export const DEFAULT_FILTERS = Object.freeze({ level: '', priority: '', customer: '', status: '', q: '' });
export const DEFAULT_PREFS = Object.freeze({ mode: 'board', filters: DEFAULT_FILTERS });

export function createState() {
  return {
    incidents: new Map(),
    servers: new Map(),
    consoles: new Map(),
    feed: [],
    /** `{ total, withProblems, listed }` from the snapshot: a big fleet lists only servers with a problem. */
    serverCounts: null,
    /** Highest event seq reflected in the state; what `resume` asks the server to replay from. */
    lastSeq: 0,
    /** The filter sent as the live `subscribe` (levels, customerIds); what the state holds matches it. */
    liveFilter: null,
  };
}

function componentList(components) {
  if (Array.isArray(components)) return components;
  return components && typeof components === 'object' ? Object.values(components) : [];
}

function normaliseServer(s) {
  return {
    id: s.id,
    name: s.name || s.id,
    customerId: s.customerId || 'unknown',
    reachable: s.reachable !== false,
    observedAt: s.observedAt || null,
    reachableSince: s.reachableSince || null,
    components: componentList(s.components).map((c) => ({ ...c })),
  };
}

/** Whether an incident belongs to what the live filter asks for (an empty list means any). */
export function matchesLive(incident, filter) {
  if (!filter) return true;
  const levels = filter.levels || [];
  const customers = filter.customerIds || [];
  if (levels.length && !levels.includes(incident.level)) return false;
  if (customers.length && !customers.includes(incident.customerId)) return false;
  return true;
}

function serverMatchesLive(server, filter) {
  const customers = (filter && filter.customerIds) || [];
  return customers.length === 0 || customers.includes(server.customerId);
}

/**
 * Replaces incidents, servers and consoles with a snapshot (hello or resync). The snapshot is not
 * filtered by the server, but events after it are, so only what the live filter covers is kept: anything
 * else would go stale without a sign. The feed is kept.
 */
export function applySnapshot(state, snapshot, seq) {
  const snap = snapshot || {};
  // The snapshot's incidents carry their latest timeline entry only; the history seen so far is kept.
  const previous = new Map(state.incidents);
  state.incidents.clear();
  for (const inc of snap.incidents || []) {
    if (inc && inc.id && inc.status !== 'resolved' && matchesLive(inc, state.liveFilter)) state.incidents.set(inc.id, mergeIncident(previous.get(inc.id), inc));
  }
  state.servers.clear();
  for (const s of snap.servers || []) if (s && s.id && serverMatchesLive(s, state.liveFilter)) state.servers.set(s.id, normaliseServer(s));
  state.consoles.clear();
  for (const c of snap.consoles || []) if (c && c.id) state.consoles.set(c.id, { ...c });
  state.serverCounts = snap.serverCounts || null;
  // Set, not max: a daemon restored from an older store may legitimately restart lower.
  state.lastSeq = typeof seq === 'number' ? seq : 0;
}

function isNewer(incoming, existing) {
  if (!existing) return true;
  if (!incoming.updatedAt || !existing.updatedAt) return true;
  return incoming.updatedAt >= existing.updatedAt;
}

const entryKey = (t) => `${t.at}|${t.action}|${(t.actor && t.actor.name) || ''}|${t.note || ''}`;

/**
 * Events and the snapshot carry an incident with only its latest timeline entry and without the
 * diagnostics payload; the REST API has it whole. Merging keeps every entry seen so far (in time order,
 * once each) and a diagnostics payload still current, so a later event does not erase the history.
 */
export function mergeIncident(existing, incoming) {
  if (!existing) return incoming;
  const seen = new Set();
  const timeline = [];
  for (const t of [...(existing.timeline || []), ...(incoming.timeline || [])]) {
    if (!t) continue;
    const key = entryKey(t);
    if (seen.has(key)) continue;
    seen.add(key);
    timeline.push(t);
  }
  // Stable: entries at the same instant keep the order the daemon wrote them in.
  timeline.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  let diagnostics = incoming.diagnostics;
  if (diagnostics && diagnostics.data == null && !diagnostics.error && existing.diagnostics
    && existing.diagnostics.fetchedAt === diagnostics.fetchedAt && existing.diagnostics.data != null) {
    diagnostics = existing.diagnostics;
  }
  return { ...incoming, timeline, diagnostics };
}

/** Upserts an incident; a resolved one, or one outside the live filter, leaves. True when anything changed. */
export function upsertIncident(state, incident) {
  if (!incident || !incident.id) return false;
  const existing = state.incidents.get(incident.id);
  if (!isNewer(incident, existing)) return false;
  if (incident.status === 'resolved' || !matchesLive(incident, state.liveFilter)) return state.incidents.delete(incident.id);
  state.incidents.set(incident.id, mergeIncident(existing, incident));
  return true;
}

/**
 * Adds what full incidents from the REST API know (the whole timeline, diagnostics) to the incidents
 * the state holds, whichever of the two is newer; incidents the state does not hold are left out (the
 * snapshot, not an earlier REST page, says what is open). Returns how many were merged.
 */
export function absorbFull(state, incidents) {
  let merged = 0;
  for (const full of incidents || []) {
    const existing = full && state.incidents.get(full.id);
    if (!existing) continue;
    const newer = !existing.updatedAt || (full.updatedAt && full.updatedAt > existing.updatedAt);
    state.incidents.set(full.id, newer ? mergeIncident(existing, full) : mergeIncident(full, existing));
    merged += 1;
  }
  return merged;
}

/**
 * Brings the state in line with a fresh list of the open incidents (`fresh`, complete) read while the
 * state was `before` (a copy of the incidents map): an incident the list no longer holds within the
 * live filter leaves, unless an event changed it meanwhile; the rest absorb the list's full records.
 * Needed because events are scoped by the incident's level after a change, so a page subscribed to L2
 * hears nothing when an incident is escalated to L3. Returns how many left.
 */
export function reconcile(state, before, fresh) {
  const keep = new Set(fresh.filter((i) => i && i.status !== 'resolved' && matchesLive(i, state.liveFilter)).map((i) => i.id));
  let dropped = 0;
  for (const [id, inc] of before) {
    if (!keep.has(id) && state.incidents.get(id) === inc) {
      state.incidents.delete(id);
      dropped += 1;
    }
  }
  absorbFull(state, fresh.filter((i) => i && keep.has(i.id)));
  return dropped;
}

function applyComponentChange(state, d) {
  if (!d.serverId) return;
  let server = state.servers.get(d.serverId);
  if (!server) {
    server = normaliseServer({ id: d.serverId, customerId: d.customerId, components: [] });
    state.servers.set(d.serverId, server);
  }
  if (typeof d.reachable === 'boolean') {
    if (server.reachable !== d.reachable) server.reachableSince = d.at || null;
    server.reachable = d.reachable;
  }
  if (!d.component) return;
  const next = { name: d.component, kind: d.kind, status: d.to, since: d.at, message: d.message };
  const i = server.components.findIndex((c) => c.name === d.component);
  if (i === -1) server.components.push(next);
  else server.components[i] = { ...server.components[i], ...next };
}

/**
 * Applies one sequenced event. Events at or below `lastSeq` are already in the state (a replay after a
 * reconnect overlapping the fresh snapshot, or the recent events asked for on load), so they only reach
 * the feed. Returns `{ feed, board, servers, consoles, created, incidentId }` so the caller re-renders
 * only what moved.
 */
export function applyEvent(state, ev) {
  const d = ev.data || {};
  const result = { feed: false, board: false, servers: false, consoles: false, created: null, incidentId: d.incidentId || (d.incident && d.incident.id) || null };
  if (typeof ev.seq === 'number' && state.feed.some((f) => f.seq === ev.seq)) return result;
  result.feed = true;
  const replayed = typeof ev.seq === 'number' && ev.seq <= state.lastSeq;
  if (!replayed) {
    if (typeof ev.seq === 'number') state.lastSeq = ev.seq;
    if (d.incident) {
      result.board = upsertIncident(state, d.incident);
      if (ev.type === 'incident.created' && result.board) result.created = d.incident;
    }
    if (ev.type === 'component.changed') {
      applyComponentChange(state, d);
      result.servers = true;
    }
    // The daemon sends the incident with its ticket in an incident.updated just before; this only
    // covers a ticket event that arrives alone (a filtered or older daemon).
    if (ev.type === 'ticket.created' && d.ticket && d.incidentId && !d.incident) {
      const inc = state.incidents.get(d.incidentId);
      if (inc && !(inc.ticket && inc.ticket.id)) {
        state.incidents.set(inc.id, { ...inc, ticket: d.ticket });
        result.board = true;
      }
    }
    if ((ev.type === 'console.up' || ev.type === 'console.down') && d.consoleId) {
      const prev = state.consoles.get(d.consoleId) || { id: d.consoleId };
      const up = ev.type === 'console.up';
      state.consoles.set(d.consoleId, { ...prev, up, changedAt: d.at || ev.at, lastError: up ? null : d.error || prev.lastError || null });
      result.consoles = true;
    }
  }
  state.feed.unshift({ seq: ev.seq, at: ev.at, type: ev.type, data: d });
  // Replays can arrive out of order relative to live events; keep the feed latest-first by seq.
  if (replayed) state.feed.sort((a, b) => (b.seq ?? 0) - (a.seq ?? 0));
  if (state.feed.length > FEED_LIMIT) state.feed.length = FEED_LIMIT;
  return result;
}

// ---- SLA verdicts and the triage order ---------------------------------------------------------------

export const CLOCKS = ['response', 'progress', 'resolution'];

/**
 * What one clock means for triage at `now`: `breached` (past due and still owed), `at-risk`, `running`,
 * `paused`, or `done` (met, stopped, or answered late: nothing more can be saved there). The daemon's
 * stored state is believed first; the instants carry the verdict forward between its events.
 */
export function clockVerdict(clock, now) {
  if (!clock) return 'done';
  if (clock.state === 'breached') return clock.metAt ? 'done' : 'breached';
  if (clock.state === 'paused') return 'paused';
  if (clock.state !== 'running' && clock.state !== 'at-risk') return 'done';
  const due = Date.parse(clock.dueAt);
  if (Number.isFinite(due) && now >= due) return 'breached';
  if (clock.state === 'at-risk' || clock.warnedAt) return 'at-risk';
  const warn = Date.parse(clock.warnAt);
  if (Number.isFinite(warn) && now >= warn) return 'at-risk';
  return 'running';
}

const RANK = { breached: 0, 'at-risk': 1, running: 2 };

/**
 * How close an incident is to its next breach: `rank` 0 breached, 1 at risk, 2 running, 3 nothing
 * running (paused or done); `dueAt` the earliest due instant among the clocks of that rank (for a breached
 * incident, the longest overdue); `clock` which clock that is.
 */
export function urgency(incident, now) {
  let best = { rank: 3, dueAt: Infinity, clock: null };
  const sla = incident.sla || {};
  for (const name of CLOCKS) {
    const clock = sla[name];
    const rank = RANK[clockVerdict(clock, now)];
    if (rank === undefined) continue;
    const due = Date.parse(clock.dueAt);
    const at = Number.isFinite(due) ? due : Infinity;
    if (rank < best.rank || (rank === best.rank && at < best.dueAt)) best = { rank, dueAt: at, clock: name };
  }
  return best;
}

const PRIORITY_ORDER = { P1: 0, P2: 1, P3: 2, P4: 3 };

/** Triage first: breached, then at risk, then the rest, each by time to the breach; then priority and age. */
export function triageOrder(incidents, now) {
  // Each incident's urgency is worked out once, not once per comparison.
  const keyed = incidents.map((i) => ({ i, u: urgency(i, now) }));
  keyed.sort((x, y) => x.u.rank - y.u.rank
    || (x.u.dueAt === y.u.dueAt ? 0 : x.u.dueAt < y.u.dueAt ? -1 : 1)
    || (PRIORITY_ORDER[x.i.priority] ?? 9) - (PRIORITY_ORDER[y.i.priority] ?? 9)
    || String(x.i.createdAt).localeCompare(String(y.i.createdAt))
    || String(x.i.id).localeCompare(String(y.i.id)));
  return keyed.map((k) => k.i);
}

/** The header: open, breached, at risk, unacknowledged and P1, over every incident the page holds. */
export function headerCounts(incidents, now) {
  const out = { open: 0, breached: 0, atRisk: 0, unacknowledged: 0, p1: 0 };
  for (const i of incidents) {
    if (i.status === 'resolved') continue;
    out.open += 1;
    const { rank } = urgency(i, now);
    if (rank === 0) out.breached += 1;
    else if (rank === 1) out.atRisk += 1;
    if (i.status === 'open') out.unacknowledged += 1;
    if (i.priority === 'P1') out.p1 += 1;
  }
  return out;
}

// ---- filters, search and their persistence -----------------------------------------------------------

/**
 * Whether an incident passes the page's filters. `names` = { server(id), customer(id) } so the search
 * finds "acme-hq-01" and "Acme Ltd" as well as their ids.
 */
export function matchesFilters(incident, filters, names) {
  const f = filters || DEFAULT_FILTERS;
  if (f.level) {
    const level = Number(f.level);
    if (level === 3 ? incident.level < 3 : incident.level !== level) return false;
  }
  if (f.priority && incident.priority !== f.priority) return false;
  if (f.customer && incident.customerId !== f.customer) return false;
  if (f.status && incident.status !== f.status) return false;
  const q = String(f.q || '').trim().toLowerCase();
  if (q) {
    const hay = [
      incident.id, incident.title, incident.serverId, incident.customerId, incident.component,
      names ? names.server(incident.serverId) : '', names ? names.customer(incident.customerId) : '',
    ];
    if (!hay.some((s) => s && String(s).toLowerCase().includes(q))) return false;
  }
  return true;
}

/** The incidents to show: filtered, searched, in triage order. */
export function visibleIncidents(state, filters, names, now) {
  return triageOrder([...state.incidents.values()].filter((i) => matchesFilters(i, filters, names)), now);
}

/** Lane of an incident on the board: L1, L2, or L3/L4 together (the vendor holds both). */
export const laneOf = (incident) => (incident.level >= 3 ? 3 : incident.level);

/** The part of the filters the daemon can apply to the live feed itself (DESIGN §9 `subscribe`). */
export function liveFilterFor(filters) {
  const f = filters || DEFAULT_FILTERS;
  const levels = !f.level ? [] : f.level === '3' ? [3, 4] : [Number(f.level)];
  return { levels, customerIds: f.customer ? [f.customer] : [], serverIds: [], types: [] };
}

export function sameLiveFilter(a, b) {
  const key = (f) => JSON.stringify([f ? f.levels : [], f ? f.customerIds : []]);
  return key(a) === key(b);
}

const oneOf = (value, allowed, fallback) => (allowed.includes(value) ? value : fallback);
const shortText = (value) => (typeof value === 'string' && value.length <= 200 ? value : '');

/** Reads saved preferences; anything unknown or malformed falls back to the default, never throws. */
export function parsePrefs(text) {
  let raw = null;
  try {
    raw = JSON.parse(text);
  } catch {
    raw = null;
  }
  if (!raw || typeof raw !== 'object') return { mode: DEFAULT_PREFS.mode, filters: { ...DEFAULT_FILTERS } };
  const f = raw.filters && typeof raw.filters === 'object' ? raw.filters : {};
  return {
    mode: oneOf(raw.mode, MODES, DEFAULT_PREFS.mode),
    filters: {
      level: oneOf(f.level, LEVEL_FILTERS, ''),
      priority: oneOf(f.priority, PRIORITY_FILTERS, ''),
      customer: shortText(f.customer),
      status: oneOf(f.status, STATUS_FILTERS, ''),
      q: shortText(f.q),
    },
  };
}

export function serializePrefs(prefs) {
  return JSON.stringify({ mode: prefs.mode, filters: { ...DEFAULT_FILTERS, ...prefs.filters } });
}

// ---- facts read off an incident ------------------------------------------------------------------------

/** The latest escalation in the timeline: who, when, from and to which level, and why; or null. */
export function lastEscalation(incident) {
  const timeline = incident.timeline || [];
  for (let i = timeline.length - 1; i >= 0; i -= 1) {
    const t = timeline[i];
    if (t && t.action === 'escalated') {
      const data = t.data || {};
      return { at: t.at, by: (t.actor && t.actor.name) || 'unknown', role: (t.actor && t.actor.role) || null, from: data.from ?? null, to: data.to ?? null, reason: data.reason ?? null, note: t.note || null };
    }
  }
  return null;
}

/** Whether the console shows a failed software component on the incident's server (the seed's L2→L3 gate). */
export function consoleShowsSoftwareFailure(state, serverId) {
  const server = state.servers.get(serverId);
  return Boolean(server && server.components.some((c) => c.kind === 'software' && c.status === 'failed'));
}
