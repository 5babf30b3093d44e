// The dashboard's picture of the daemon, fed by the live protocol (DESIGN §9). No DOM here: every
// function takes the state and a message and returns what changed, so rendering can stay dumb.

/** How many feed lines are kept; older ones fall off so a long-open tab does not grow without bound. */
export const FEED_LIMIT = 200;

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
    components: componentList(s.components).map((c) => ({ ...c })),
  };
}

/** Replaces incidents, servers and consoles with a snapshot (hello or resync). The feed is kept. */
export function applySnapshot(state, snapshot, seq) {
  const snap = snapshot || {};
  state.incidents.clear();
  for (const inc of snap.incidents || []) {
    if (inc && inc.id && inc.status !== 'resolved') state.incidents.set(inc.id, inc);
  }
  state.servers.clear();
  for (const s of snap.servers || []) if (s && s.id) state.servers.set(s.id, normaliseServer(s));
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

/** Upserts a full incident; a resolved one leaves the board. Returns true when the board changed. */
export function upsertIncident(state, incident) {
  if (!incident || !incident.id) return false;
  const existing = state.incidents.get(incident.id);
  if (!isNewer(incident, existing)) return false;
  if (incident.status === 'resolved') return state.incidents.delete(incident.id);
  state.incidents.set(incident.id, incident);
  return true;
}

function applyComponentChange(state, d) {
  if (!d.serverId) return;
  let server = state.servers.get(d.serverId);
  if (!server) {
    server = normaliseServer({ id: d.serverId, customerId: d.customerId, components: [] });
    state.servers.set(d.serverId, server);
  }
  if (typeof d.reachable === 'boolean') server.reachable = d.reachable;
  if (!d.component) return;
  const next = { name: d.component, kind: d.kind, status: d.to, since: d.at, message: d.message };
  const i = server.components.findIndex((c) => c.name === d.component);
  if (i === -1) server.components.push(next);
  else server.components[i] = { ...server.components[i], ...next };
}

/**
 * Applies one sequenced event. Events at or below `lastSeq` are already in the state (a replay after a
 * reconnect overlapping the fresh snapshot), so they only reach the feed. Returns `{ feed, board, servers,
 * consoles, created }` flags so the caller re-renders only what moved.
 */
export function applyEvent(state, ev) {
  const result = { feed: false, board: false, servers: false, consoles: false, created: null };
  if (typeof ev.seq === 'number' && state.feed.some((f) => f.seq === ev.seq)) return result;
  result.feed = true;
  const replayed = typeof ev.seq === 'number' && ev.seq <= state.lastSeq;
  if (!replayed) {
    if (typeof ev.seq === 'number') state.lastSeq = ev.seq;
    const d = ev.data || {};
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
  state.feed.unshift({ seq: ev.seq, at: ev.at, type: ev.type, data: ev.data || {} });
  // Replays can arrive out of order relative to live events; keep the feed latest-first by seq.
  if (replayed) state.feed.sort((a, b) => (b.seq ?? 0) - (a.seq ?? 0));
  if (state.feed.length > FEED_LIMIT) state.feed.length = FEED_LIMIT;
  return result;
}

const PRIORITY_ORDER = { P1: 0, P2: 1, P3: 2, P4: 3 };

function nextDue(inc) {
  const clocks = inc.sla ? Object.values(inc.sla) : [];
  const due = clocks.map((c) => c && c.dueAt).filter(Boolean).sort();
  return due[0] || '9999';
}

/** Open incidents for one lane (1, 2, or 3 for L3/L4), most urgent first, recovered ones last. */
export function incidentsForLane(state, lane) {
  return [...state.incidents.values()]
    .filter((i) => (lane === 3 ? i.level >= 3 : i.level === lane))
    // A recovered incident waits only for its resolution, so it goes below those still failing.
    .sort((a, b) =>
      Number(Boolean(a.recoveredAt)) - Number(Boolean(b.recoveredAt))
      || (PRIORITY_ORDER[a.priority] ?? 9) - (PRIORITY_ORDER[b.priority] ?? 9)
      || nextDue(a).localeCompare(nextDue(b))
      || String(a.createdAt).localeCompare(String(b.createdAt)));
}
