// One router (or a few) on a real express app from createHttpApp, listening on 127.0.0.1:0, with one
// bearer token per role: for route tests that need the HTTP layer (auth, problem+json, body limits)
// but not a whole daemon.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Router } from 'express';
import { pino, type Logger } from 'pino';
import type { Role } from '../../src/domain/types.js';
import { createHttpApp } from '../../src/http/app.js';
import { TokenAuthenticator } from '../../src/http/auth.js';

export const ROUTE_TOKENS: Readonly<Record<Role, string>> = {
  viewer: 'route-viewer-token-00001',
  l1: 'route-l1-token-000000001',
  l2: 'route-l2-token-000000001',
  l3: 'route-l3-token-000000001',
  admin: 'route-admin-token-000001',
  ingest: 'route-ingest-token-00001',
};
/** The principal name of each role's token: what records as the actor. */
export const routeTokenName = (role: Role): string => `${role}-desk`;

export const routeAuth = (): TokenAuthenticator =>
  new TokenAuthenticator((Object.keys(ROUTE_TOKENS) as Role[]).map((role) => ({ name: routeTokenName(role), role, token: ROUTE_TOKENS[role] })));

export interface RouteHarness {
  url: string;
  /** `fetch` as `role` (null: no token); an object body is sent as JSON, a string or Buffer as is. */
  call(role: Role | null, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

export async function startRoutes(routers: Router[], options: { logger?: Logger; isReady?: () => boolean } = {}): Promise<RouteHarness> {
  const app = createHttpApp({ logger: options.logger ?? pino({ level: 'silent' }), isReady: options.isReady ?? (() => true), routers });
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let closing: Promise<void> | null = null;
  return {
    url,
    call(role, method, path, body, headers = {}) {
      const h: Record<string, string> = { ...headers };
      if (role) h.authorization = `Bearer ${ROUTE_TOKENS[role]}`;
      let payload: string | Buffer | undefined;
      if (typeof body === 'string' || Buffer.isBuffer(body)) payload = body;
      else if (body !== undefined) {
        payload = JSON.stringify(body);
        h['content-type'] ??= 'application/json';
      }
      return fetch(`${url}${path}`, { method, headers: h, body: payload, signal: AbortSignal.timeout(10_000) });
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** The body of `res` after checking its status (the body is in the failure message). */
export async function expectStatus<T = Record<string, unknown>>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${text.slice(0, 500)}`);
  return (text ? JSON.parse(text) : null) as T;
}
