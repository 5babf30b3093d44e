// The live feed (DESIGN §9): authenticates WebSocket upgrades on the daemon's HTTP server, greets each
// client with a snapshot, fans published events out to the clients whose filter matches, replays missed
// events on `resume`, and drops clients that stop answering pings or stop reading.
//
// Wire protocol (server → client):
//   {"type":"hello","seq":N,"snapshot":{…}}                  first message; the snapshot reflects seq N
//   {"type":<event type>,"seq","at","data","scope"?}          one per event; scope = {level,customerId,serverId}
//   {"type":"subscribed","filter":{levels,customerIds,serverIds,types}}
//   {"type":"resync","seq":N,"snapshot":{…}}                  resume point older than the log: start over
//   {"type":"error","error":"…"}                              a message the server could not accept
// Delivery: after hello (or a resync) a client gets every matching event with a higher seq, in order, once.
// `resume` repositions the stream: every matching event with seq > fromSeq follows, in order, once, then
// live ones. New clients are held back from live events for `resumeWindowMs` (or until they resume), so a
// reconnecting client that sends `resume` straight after hello never sees an event twice or out of order.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { LoggedEvent } from '../domain/types.js';
import { DEFAULT_MESSAGE_RATE, MessageBudget, parseClientMessage } from './client-messages.js';
import type { LiveHubDeps } from './live-hub-deps.js';
import { LiveSession, textFrame } from './live-session.js';
import { mergeSince, RecentEvents } from './recent-events.js';
import { authorizeUpgrade, LIVE_SUBPROTOCOL, refuseUpgrade, type Principal } from './upgrade-auth.js';

export type { LiveEventLog, LiveHubDeps, LiveMetrics } from './live-hub-deps.js';
export type { Principal } from './upgrade-auth.js';

export const LIVE_MAX_PAYLOAD = 64 * 1024;
const RECENT_CAPACITY = 2048;
/** Events looked at in one turn of a replay before it yields, so a long replay never holds the event loop. */
const REPLAY_SLICE = 500;

export class LiveHub {
  private readonly deps: LiveHubDeps;
  private readonly path: string;
  private readonly heartbeatMs: number;
  private readonly maxBufferedBytes: number;
  private readonly resumeWindowMs: number;
  private readonly closeGraceMs: number;
  private readonly wss: WebSocketServer;
  private readonly sessions = new Set<LiveSession>();
  private readonly recent = new RecentEvents(RECENT_CAPACITY);
  private readonly corked = new Set<LiveSession>();
  private flushScheduled = false;
  private heartbeat: NodeJS.Timeout | null = null;
  private started = false;
  private stopping: Promise<void> | null = null;

  constructor(deps: LiveHubDeps) {
    this.deps = deps;
    this.path = deps.path ?? '/api/v1/live';
    this.heartbeatMs = deps.heartbeatMs ?? 30_000;
    this.maxBufferedBytes = deps.maxBufferedBytes ?? 1024 * 1024;
    this.resumeWindowMs = deps.resumeWindowMs ?? 250;
    this.closeGraceMs = deps.closeGraceMs ?? 1000;
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: LIVE_MAX_PAYLOAD,
      clientTracking: false,
      // Never echo `bearer.<token>`: the only protocol the server ever selects is escalatord.v1.
      handleProtocols: (protocols) => (protocols.has(LIVE_SUBPROTOCOL) ? LIVE_SUBPROTOCOL : false),
    });
  }

  get clientCount(): number {
    return this.sessions.size;
  }

  start(): void {
    if (this.started || this.stopping) return;
    this.started = true;
    this.deps.server.on('upgrade', this.onUpgrade);
    this.heartbeat = setInterval(() => this.beat(), this.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Closes every client with 1001 and stops listening; resolves once all sockets are gone. Safe twice. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  /** Sends the event to every matching client. The event is serialised once, whatever the client count. */
  publish(event: LoggedEvent): void {
    if (this.stopping) return;
    const frame = this.recent.add(event);
    const wire = textFrame(frame);
    let sent = 0;
    for (const session of this.sessions) {
      if (session.shouldReceive(event) && session.sendEncoded(frame, wire)) sent++;
    }
    this.countSent(sent);
  }

  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (!this.isOurPath(req.url)) {
      // Another listener may own this path; when we are the only one, nobody else would ever answer.
      if (this.deps.server.listenerCount('upgrade') <= 1) refuseUpgrade(socket, 404, 'no WebSocket endpoint here');
      return;
    }
    const decision = authorizeUpgrade(req, this.deps);
    if (!decision.ok) {
      this.deps.logger.info({ status: decision.status, reason: decision.reason, origin: req.headers.origin, remote: req.socket.remoteAddress }, 'live feed upgrade refused');
      refuseUpgrade(socket, decision.status, decision.reason);
      return;
    }
    const upgrade = () => this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, socket, decision.principal));
    if (!this.deps.beforeGreeting) return upgrade();
    this.deps.beforeGreeting().then(
      () => {
        // The client may have gone, or the daemon started stopping, while the snapshot was built.
        if (socket.destroyed) return;
        if (this.stopping) refuseUpgrade(socket, 503, 'server shutting down');
        else upgrade();
      },
      (err: unknown) => {
        this.deps.logger.error({ err }, 'live snapshot failed');
        if (!socket.destroyed) refuseUpgrade(socket, 503, 'snapshot unavailable');
      },
    );
  };

  private isOurPath(url: string | undefined): boolean {
    if (!url) return false;
    const q = url.indexOf('?');
    const pathname = q === -1 ? url : url.slice(0, q);
    return pathname === this.path || pathname === `${this.path}/`;
  }

  private onConnection(ws: WebSocket, socket: Duplex, principal: Principal): void {
    if (this.stopping) {
      ws.close(1001, 'server shutting down');
      return;
    }
    const visibility = this.deps.visibility?.(principal) ?? null;
    const session = new LiveSession({
      ws,
      socket,
      principal,
      allowed: visibility?.events,
      maxBufferedBytes: this.maxBufferedBytes,
      closeGraceMs: this.closeGraceMs,
      onDrop: (reason) => {
        this.deps.metrics.wsDroppedClients.inc({ reason });
        this.deps.logger.warn({ client: principal.name, reason }, 'live client dropped');
      },
      onCork: (corked) => this.scheduleFlush(corked),
    });
    const budget = new MessageBudget(this.deps.clientMessages ?? DEFAULT_MESSAGE_RATE, this.deps.now ?? (() => performance.now()));
    this.sessions.add(session);
    this.deps.metrics.wsClients.set(this.sessions.size);
    ws.on('pong', () => { session.alive = true; });
    ws.on('message', (data, isBinary) => {
      if (!session.open) return;
      // Checked before parsing: a flood costs one comparison per frame until the connection is gone.
      if (!budget.take()) session.drop('flood');
      else this.onMessage(session, data, isBinary);
    });
    // ws reports protocol violations (e.g. maxPayload, answered with 1009) here; without a listener they would crash us.
    ws.on('error', (err) => this.deps.logger.info({ client: principal.name, err: err.message }, 'live client error'));
    ws.on('close', (code) => {
      session.dispose();
      this.corked.delete(session);
      this.sessions.delete(session);
      this.deps.metrics.wsClients.set(this.sessions.size);
      this.deps.logger.debug({ client: principal.name, code }, 'live client disconnected');
    });
    this.deps.logger.debug({ client: principal.name, role: principal.role }, 'live client connected');

    const greeted = this.greet(session, 'hello');
    if (greeted && this.resumeWindowMs > 0) {
      session.holding = true;
      // End of the hold: catch up on what was published meanwhile, then go live.
      session.holdTimer = setTimeout(() => this.replayFrom(session, session.coveredUpTo), this.resumeWindowMs);
      session.holdTimer.unref();
    }
  }

  /** hello or resync: the current seq with the snapshot that reflects it. */
  private greet(session: LiveSession, type: 'hello' | 'resync'): boolean {
    let seq: number;
    let snapshot: unknown;
    try {
      // A snapshot and the seq it reflects at least; events after that seq are replayed to the client.
      ({ seq, snapshot } = this.deps.snapshot());
    } catch (err) {
      this.deps.logger.error({ err }, 'live snapshot failed');
      session.close(1011, 'snapshot unavailable');
      return false;
    }
    session.coveredUpTo = seq;
    const view = this.deps.visibility?.(session.principal);
    return this.sendMessage(session, { type, seq, snapshot: view ? view.snapshot(snapshot) : snapshot });
  }

  private onMessage(session: LiveSession, data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    if (!session.open) return;
    try {
      const parsed = parseClientMessage(data, isBinary);
      if (!parsed.ok) {
        this.sendMessage(session, { type: 'error', error: parsed.error });
        return;
      }
      const message = parsed.value;
      if (message.type === 'subscribe') {
        session.setFilter(message.filter);
        this.sendMessage(session, { type: 'subscribed', filter: message.filter });
      } else {
        session.clearHold();
        this.replayFrom(session, message.fromSeq);
      }
    } catch (err) {
      // A bug here must cost one message, never the daemon.
      this.deps.logger.error({ err, client: session.principal.name }, 'live client message failed');
      this.sendMessage(session, { type: 'error', error: 'internal error' });
    }
  }

  /**
   * Sends every matching event with seq > fromSeq in order, or a resync when the log no longer reaches
   * back. A long backlog goes out in pieces, each once the socket has drained, so a client that reads
   * is never mistaken for a slow one; live events wait meanwhile and are picked up from the log.
   */
  private replayFrom(session: LiveSession, fromSeq: number): void {
    const generation = ++session.replayGeneration; // a newer resume cancels this replay
    session.holding = true;
    const step = (from: number): void => {
      if (!session.open || generation !== session.replayGeneration) return;
      const latest = this.deps.eventLog.latestSeq();
      // A resume point ahead of the log means the log was reset; the client's picture is stale.
      const logged = from > latest ? null : this.deps.eventLog.since(from);
      if (logged === null) {
        session.holding = false;
        this.greet(session, 'resync');
        return;
      }
      let covered = from;
      let sent = 0;
      let examined = 0;
      for (const event of mergeSince(from, logged, this.recent.after(from))) {
        if (++examined > REPLAY_SLICE) {
          // Yield: the rest follows in a later turn, read again from the log (a newer resume cancels it).
          session.coveredUpTo = covered;
          setImmediate(() => step(covered));
          this.countSent(sent);
          return;
        }
        if (session.matches(event)) {
          const frame = this.recent.frameFor(event);
          const buffered = session.ws.bufferedAmount;
          if (buffered > 0 && buffered + frame.length > this.maxBufferedBytes / 2) {
            session.coveredUpTo = covered;
            session.waitForDrain(() => step(covered));
            this.countSent(sent);
            return;
          }
          if (!session.send(frame)) break;
          sent++;
        }
        covered = event.seq;
      }
      // Synchronous since the last look at the log: no publish interleaved, so nothing is missed or repeated.
      session.coveredUpTo = covered;
      session.holding = false;
      this.countSent(sent);
    };
    step(fromSeq);
  }

  private countSent(n: number): void {
    if (n > 0) this.deps.metrics.wsMessagesSent.inc(n);
  }

  /**
   * Frames sent in one turn of the event loop (a commit's events, a replay) leave each socket in one
   * write: at 1,000 clients the system calls, not the serialising, are what publishing costs.
   */
  private scheduleFlush(session: LiveSession): void {
    this.corked.add(session);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // nextTick runs once the current task and its promise callbacks are done, so a commit's events
    // coalesce without waiting for another turn of the event loop.
    process.nextTick(() => {
      this.flushScheduled = false;
      for (const s of this.corked) s.flush();
      this.corked.clear();
    });
  }

  private sendMessage(session: LiveSession, message: unknown): boolean {
    const sent = session.sendJson(message);
    if (sent) this.deps.metrics.wsMessagesSent.inc();
    return sent;
  }

  private beat(): void {
    for (const session of this.sessions) {
      if (!session.open) continue;
      if (!session.alive) {
        session.drop('heartbeat');
        continue;
      }
      session.alive = false;
      session.ws.ping();
    }
  }

  private async shutdown(): Promise<void> {
    this.deps.server.off('upgrade', this.onUpgrade);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    const closed = [...this.sessions].map((session) => new Promise<void>((resolve) => {
      if (session.ws.readyState === session.ws.CLOSED) return resolve();
      session.ws.once('close', () => resolve());
      session.close(1001, 'server shutting down');
    }));
    const deadline = setTimeout(() => {
      for (const session of this.sessions) session.ws.terminate();
    }, this.closeGraceMs);
    try {
      await Promise.all(closed);
    } finally {
      clearTimeout(deadline);
    }
    this.recent.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.deps.logger.debug('live hub stopped');
  }
}
