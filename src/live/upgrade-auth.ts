// Decides, from the HTTP upgrade request alone, whether a WebSocket may open. Everything happens before
// the handshake so a refused client never becomes a connection. Order matters: the Origin check comes
// first so that a cross-site page cannot even probe tokens (cross-site WebSocket hijacking).
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Role } from '../domain/types.js';

/** An authenticated token holder, as the http/auth layer resolves it. */
export interface Principal {
  name: string;
  role: Role;
}

/** The subprotocol the server selects; browsers cannot set headers, so they send the token as a second one. */
export const LIVE_SUBPROTOCOL = 'escalatord.v1';
const BEARER_SUBPROTOCOL_PREFIX = 'bearer.';

/** Every human role may watch the feed; `ingest` tokens belong to machines that only push reports. */
const WATCH_ROLES: ReadonlySet<Role> = new Set<Role>(['viewer', 'l1', 'l2', 'l3', 'admin']);

export type UpgradeDecision =
  | { ok: true; principal: Principal }
  | { ok: false; status: 401 | 403; reason: string };

export interface UpgradeAuthOptions {
  authenticate(token: string): Principal | null;
  allowedOrigins: readonly string[];
  /** `server.publicUrl`: the dashboard's own origin when it is served under a DNS name. */
  publicUrl?: string;
}

export function authorizeUpgrade(req: IncomingMessage, opts: UpgradeAuthOptions): UpgradeDecision {
  if (!isOriginAllowed(req.headers.origin, req.headers.host, opts.allowedOrigins, opts.publicUrl)) {
    return { ok: false, status: 403, reason: 'origin not allowed' };
  }
  const token = extractToken(req.headers.authorization, req.headers['sec-websocket-protocol']);
  if (token === null) return { ok: false, status: 401, reason: 'missing bearer token' };
  const principal = opts.authenticate(token);
  if (!principal) return { ok: false, status: 401, reason: 'invalid token' };
  if (!WATCH_ROLES.has(principal.role)) return { ok: false, status: 403, reason: `role ${principal.role} may not watch the live feed` };
  return { ok: true, principal };
}

/**
 * The bearer token from `Authorization: Bearer <t>`, else from the subprotocol pair
 * `escalatord.v1, bearer.<t>` (only when `escalatord.v1` is offered too, so the server has a protocol to
 * select that is not the token itself).
 */
export function extractToken(authorization: string | undefined, protocolHeader: string | undefined): string | null {
  if (authorization) {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
    return match ? match[1] : null;
  }
  if (!protocolHeader) return null;
  const offered = protocolHeader.split(',').map((p) => p.trim()).filter(Boolean);
  if (!offered.includes(LIVE_SUBPROTOCOL)) return null;
  const bearer = offered.find((p) => p.startsWith(BEARER_SUBPROTOCOL_PREFIX));
  const token = bearer?.slice(BEARER_SUBPROTOCOL_PREFIX.length);
  return token ? token : null;
}

/**
 * Non-browser clients send no Origin and are allowed (they must still hold a token). A browser page is
 * allowed when its origin is listed in `server.allowedOrigins`, is the origin of `server.publicUrl`, or
 * equals the Host header where that host is an IP address or `localhost`. An Origin equal to the Host
 * header proves nothing for a DNS name: after DNS rebinding, a page on the attacker's name talks to the
 * daemon with its own name in both headers.
 */
export function isOriginAllowed(origin: string | undefined, host: string | undefined, allowed: readonly string[], publicUrl?: string): boolean {
  if (origin === undefined) return true;
  const offered = originOf(origin);
  if (offered === null) return false; // e.g. "null" from sandboxed frames and file:// pages
  if ([...allowed, ...(publicUrl ? [publicUrl] : [])].some((a) => originOf(a) === offered)) return true;
  if (!host) return false;
  const url = new URL(offered);
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  if (hostname !== 'localhost' && isIP(hostname) === 0) return false;
  return url.host === stripDefaultPort(host.trim().toLowerCase(), url.protocol);
}

/** `scheme://host[:port]` in lower case without a default port, or null for what is not an http(s) origin. */
function originOf(value: string): string | null {
  try {
    const url = new URL(value.trim().toLowerCase());
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : null;
  } catch {
    return null;
  }
}

function stripDefaultPort(host: string, protocol: string): string {
  if (protocol === 'http:' && host.endsWith(':80')) return host.slice(0, -3);
  if (protocol === 'https:' && host.endsWith(':443')) return host.slice(0, -4);
  return host;
}

const STATUS_TEXT: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 503: 'Service Unavailable' };

/** Answers the upgrade with a plain HTTP error (problem+json) and closes the socket; no handshake happens. */
export function refuseUpgrade(socket: Duplex, status: 401 | 403 | 404 | 503, detail: string): void {
  if (!socket.writable || socket.destroyed) {
    socket.destroy();
    return;
  }
  const title = STATUS_TEXT[status];
  const body = JSON.stringify({ type: 'about:blank', title, status, detail });
  const headers = [
    `HTTP/1.1 ${status} ${title}`,
    'Connection: close',
    'Content-Type: application/problem+json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...(status === 401 ? ['WWW-Authenticate: Bearer realm="escalatord"'] : []),
  ];
  // Errors from a peer that already went away are of no interest; without a listener they would crash.
  socket.on('error', () => {});
  socket.once('finish', () => socket.destroy());
  socket.end(`${headers.join('\r\n')}\r\n\r\n${body}`);
}
