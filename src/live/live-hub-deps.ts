// What the live hub needs from the rest of the daemon, as one deps object (see LiveHub).
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { LoggedEvent } from '../domain/types.js';
import type { MessageRate } from './client-messages.js';
import type { DropReason } from './live-session.js';
import type { Principal } from './upgrade-auth.js';

/** The read side of the event log the hub replays from. `since` returns events with seq > fromSeq, ascending. */
export interface LiveEventLog {
  latestSeq(): number;
  /** null when fromSeq is older than the log still holds. */
  since(fromSeq: number): LoggedEvent[] | null;
}

/** Shaped so prom-client's Gauge and Counters fit directly. */
export interface LiveMetrics {
  wsClients: { set(value: number): void };
  wsMessagesSent: { inc(value?: number): void };
  wsDroppedClients: { inc(labels: { reason: DropReason }, value?: number): void };
}

export interface LiveHubDeps {
  /** The daemon's HTTP server; the hub listens to its 'upgrade' event between start() and stop(). */
  server: Server;
  /** Default '/api/v1/live'. */
  path?: string;
  /** Token → principal (constant-time lookup, owned by http/auth); null when unknown. */
  authenticate(token: string): Principal | null;
  /** Exact browser origins allowed besides the daemon's own; requests without Origin are allowed. */
  allowedOrigins: string[];
  /** `server.publicUrl`; its origin is allowed too (an Origin merely equal to the Host header is not, for DNS names). */
  publicUrl?: string;
  /** Publish events once they are in the log; one published a moment before the log returns it is still replayed. */
  eventLog: LiveEventLog;
  /**
   * State for hello and resync (open incidents, servers, consoles…) with the seq it reflects at least:
   * it may also show later changes, whose events the client then gets as well (they are idempotent).
   */
  snapshot(): { seq: number; snapshot: unknown };
  /**
   * Awaited between an accepted upgrade and its greeting: makes `snapshot()` current as of the client's
   * arrival (see SnapshotCache.fresh). A rejection refuses the upgrade with 503. Absent: greet at once.
   */
  beforeGreeting?(): Promise<void>;
  /**
   * What a principal may see: a matcher for events and a view of the snapshot (the vendor sees levels
   * 3–4 only). Absent, or null for a principal: everything.
   */
  visibility?(principal: Principal): { events: (event: LoggedEvent) => boolean; snapshot: (snapshot: unknown) => unknown } | null;
  metrics: LiveMetrics;
  logger: Logger;
  /** Ping interval; a client that misses one ping is terminated at the next. Default 30000. */
  heartbeatMs?: number;
  /** Send buffer limit per client; passing it closes the client with 1013. Default 1 MiB. */
  maxBufferedBytes?: number;
  /** How long a new client is held back from live events, waiting for a possible resume. Default 250; 0 = off. */
  resumeWindowMs?: number;
  /** How long a closing client gets before it is terminated. Default 1000. */
  closeGraceMs?: number;
  /** Messages each client may send (a token bucket); the excess closes the client with 1008. Default 10/s, burst 40. */
  clientMessages?: MessageRate;
  /** Milliseconds on a monotonic clock, for the message budget. Default performance.now. */
  now?: () => number;
}
