// The daemon's HTTP server with its limits: how many connections it holds, and how long a client may
// take to send its headers and its request. Without them ~20,000 half-open unauthenticated connections
// took every file descriptor, and the daemon's own outbound calls (consoles, ticketing) failed with
// EMFILE. The composition root creates the server here instead of calling http.createServer itself.
import { createServer, type RequestListener, type Server } from 'node:http';
import { readFileSync } from 'node:fs';

export interface ServerLimits {
  /** Connections held at once (WebSockets included); more are closed on accept. Default: see defaultMaxConnections. */
  maxConnections?: number;
  /** Time to receive a request's headers; default 10 s. A client that takes longer gets 408 and is closed. */
  headersTimeoutMs?: number;
  /** Time to receive a whole request; default 30 s. */
  requestTimeoutMs?: number;
  /** Idle time of a kept-alive connection between requests; default 5 s. */
  keepAliveTimeoutMs?: number;
}

/** File descriptors kept free for the store, the logs and outbound calls, whatever the limit. */
const RESERVED_FDS = 256;
const FALLBACK_MAX_CONNECTIONS = 1_000;

/**
 * A quarter of the open-file limit (at least 256) stays free for the daemon's own files and outbound
 * connections; the rest may be clients. Unknown limit (not Linux): 1,000.
 */
export function defaultMaxConnections(openFileLimit: number | null = readOpenFileLimit()): number {
  if (openFileLimit === null || !Number.isFinite(openFileLimit)) return FALLBACK_MAX_CONNECTIONS;
  const reserve = Math.max(RESERVED_FDS, Math.ceil(openFileLimit / 4));
  return Math.max(16, openFileLimit - reserve);
}

/** The soft limit on open files (`ulimit -n`), from /proc on Linux; null elsewhere. */
export function readOpenFileLimit(): number | null {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    const n = Number(soft);
    return soft && Number.isInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

export function createHttpServer(app: RequestListener, limits: ServerLimits = {}): Server {
  const headersTimeout = limits.headersTimeoutMs ?? 10_000;
  const requestTimeout = Math.max(limits.requestTimeoutMs ?? 30_000, headersTimeout);
  const server = createServer(
    {
      headersTimeout,
      requestTimeout,
      keepAliveTimeout: limits.keepAliveTimeoutMs ?? 5_000,
      // Node looks for expired headers and requests only this often (30 s by default), which is what
      // let half-open connections pile up: look often enough that a timeout means what it says.
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(headersTimeout / 4))),
    },
    app,
  );
  server.maxConnections = limits.maxConnections ?? defaultMaxConnections();
  return server;
}

/** How many requests the server is answering now (upgraded live connections are not requests). */
export function countRequestsInFlight(server: Server): () => number {
  let n = 0;
  server.on('request', (_req, res) => {
    n += 1;
    res.once('close', () => void (n -= 1));
  });
  return () => n;
}
