/* global navigator */
// The live feed socket (DESIGN §9): authenticates with the `escalatord.v1, bearer.<token>` subprotocol
// pair, sends the page's filter as the `subscribe` filter, asks for the recent events on a fresh start
// (so the feed is not empty on load), reconnects by itself with full-jitter exponential backoff, and
// asks for a replay after a gap.

const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 30_000;
/** After this many failed attempts in a row the indicator says offline; retries still continue. */
const OFFLINE_AFTER = 5;
/** Close codes a daemon may use for a bad token; retrying with the same token would never succeed. */
const AUTH_CLOSE_CODES = new Set([1008, 4401, 4403]);

export function liveUrl(loc) {
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${loc.host}/api/v1/live`;
}

/**
 * deps: { url, token, onMessage(msg), onStatus(state, detail), onAuthFailed(), getLastSeq(),
 * getFilter() → subscribe filter or null, recent (events to replay on a fresh start), random? }.
 * Status is one of connecting | connected | reconnecting | offline. start()/stop() are safe to repeat;
 * restart() starts afresh (a new snapshot), as a changed filter needs.
 */
export function createConnection(deps) {
  const random = deps.random || Math.random;
  let ws = null;
  let timer = null;
  let failures = 0;
  let running = false;
  let everConnected = false;
  let gotHello = false;
  /** True until the first hello of a fresh start: that hello is followed by a resume for the recent events. */
  let fresh = true;

  function status(state, detail) {
    deps.onStatus(state, detail || '');
  }

  function scheduleRetry() {
    if (!running) return;
    failures += 1;
    const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.min(failures, 16));
    const delay = Math.max(250, Math.floor(random() * ceiling));
    const offline = failures >= OFFLINE_AFTER || (typeof navigator !== 'undefined' && navigator.onLine === false);
    status(offline ? 'offline' : 'reconnecting', `retrying in ${Math.ceil(delay / 1000)}s`);
    clearTimeout(timer);
    timer = setTimeout(open, delay);
  }

  function open() {
    if (!running) return;
    clearTimeout(timer);
    timer = null;
    gotHello = false;
    status(everConnected ? 'reconnecting' : 'connecting', 'connecting…');
    let socket;
    try {
      socket = new WebSocket(deps.url, ['escalatord.v1', `bearer.${deps.token}`]);
    } catch {
      scheduleRetry();
      return;
    }
    ws = socket;
    socket.addEventListener('open', () => {
      // The filter first, so that the replay below is filtered too.
      const filter = deps.getFilter ? deps.getFilter() : null;
      if (filter) socket.send(JSON.stringify({ type: 'subscribe', filter }));
      // Ask for what happened while we were away; the server answers with a replay or a resync.
      if (everConnected && !fresh) socket.send(JSON.stringify({ type: 'resume', fromSeq: deps.getLastSeq() }));
    });
    socket.addEventListener('message', (e) => {
      let msg;
      try {
        msg = JSON.parse(e.data);
      } catch {
        return;
      }
      const hello = msg && msg.type === 'hello';
      if (hello) {
        gotHello = true;
        everConnected = true;
        failures = 0;
        status('connected', '');
      }
      deps.onMessage(msg);
      if (hello && fresh) {
        fresh = false;
        // The last few events before the snapshot, for the feed; the state already reflects them.
        const recent = deps.recent || 0;
        if (recent > 0 && typeof msg.seq === 'number') socket.send(JSON.stringify({ type: 'resume', fromSeq: Math.max(0, msg.seq - recent) }));
      }
    });
    socket.addEventListener('close', (e) => {
      if (ws !== socket) return;
      ws = null;
      if (AUTH_CLOSE_CODES.has(e.code) && !gotHello) {
        running = false;
        status('offline', 'token rejected');
        deps.onAuthFailed();
        return;
      }
      scheduleRetry();
    });
  }

  function onOnline() {
    if (running && !ws) {
      failures = 0;
      open();
    }
  }
  function onOffline() {
    if (running && !ws) status('offline', 'no network');
  }

  return {
    start() {
      if (running) return;
      running = true;
      window.addEventListener('online', onOnline);
      window.addEventListener('offline', onOffline);
      open();
    },
    restart() {
      if (!running) return;
      const socket = ws;
      ws = null;
      if (socket) socket.close(1000, 'filter changed');
      failures = 0;
      fresh = true;
      open();
    },
    stop() {
      running = false;
      clearTimeout(timer);
      timer = null;
      window.removeEventListener('online', onOnline);
      window.removeEventListener('offline', onOffline);
      const socket = ws;
      ws = null;
      if (socket) socket.close(1000, 'signed out');
      status('offline', 'signed out');
    },
    send(obj) {
      if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(obj));
    },
  };
}
