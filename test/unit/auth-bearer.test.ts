// Bearer-token authentication and roles, through a real express app with the daemon's error mapping.
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearerToken, requireAuth, roleAtLeast, safeEqual, TokenAuthenticator } from '../../src/http/auth.js';
import { errorHandler } from '../../src/http/problem.js';

const TOKENS = [
  { name: 'viewer-desk', role: 'viewer' as const, token: 'viewer-token-000000001' },
  { name: 'l2-desk', role: 'l2' as const, token: 'l2-desk-token-00000001' },
  { name: 'alertmanager', role: 'ingest' as const, token: 'ingest-token-000000001' },
];

describe('safeEqual', () => {
  it('tells equal strings from different ones', () => {
    expect(safeEqual('same-secret', 'same-secret')).toBe(true);
    expect(safeEqual('same-secret', 'same-secreT')).toBe(false);
  });

  it('compares strings of different lengths without throwing', () => {
    expect(() => safeEqual('short', 'a much longer string than the first')).not.toThrow();
    expect(safeEqual('short', 'a much longer string than the first')).toBe(false);
    expect(safeEqual('', 'x')).toBe(false);
  });
});

describe('TokenAuthenticator', () => {
  const auth = new TokenAuthenticator(TOKENS);

  it('finds the principal a token belongs to', () => {
    expect(auth.authenticate('l2-desk-token-00000001')).toEqual({ name: 'l2-desk', role: 'l2' });
    expect(auth.authenticate('ingest-token-000000001')).toEqual({ name: 'alertmanager', role: 'ingest' });
  });

  it('finds nobody for an unknown, truncated or empty token', () => {
    expect(auth.authenticate('l2-desk-token-0000000')).toBeNull();
    expect(auth.authenticate('nobody')).toBeNull();
    expect(auth.authenticate('')).toBeNull();
  });

  it('says whether any token is configured', () => {
    expect(auth.configured).toBe(true);
    expect(new TokenAuthenticator([]).configured).toBe(false);
  });
});

describe('bearerToken', () => {
  it('reads the token of a Bearer header in any case and refuses other schemes', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer abc')).toBe('abc');
    expect(bearerToken('Basic YWxhZGRpbjpvcGVuc2VzYW1l')).toBeNull();
    expect(bearerToken('Bearer')).toBeNull();
    expect(bearerToken(undefined)).toBeNull();
  });
});

describe('roleAtLeast', () => {
  it('ranks people by level and never lets the ingest role act as a person', () => {
    expect(roleAtLeast('l3', 'l2')).toBe(true);
    expect(roleAtLeast('admin', 'l3')).toBe(true);
    expect(roleAtLeast('l1', 'l2')).toBe(false);
    expect(roleAtLeast('ingest', 'viewer')).toBe(false);
  });
});

describe('requireAuth on a real express app', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    const auth = new TokenAuthenticator(TOKENS);
    const app = express();
    app.get('/any', requireAuth(auth), (req, res) => void res.json(req.principal));
    app.post('/staff', requireAuth(auth, ['l2', 'l3', 'admin']), (req, res) => void res.json(req.principal));
    app.use(errorHandler(pino({ level: 'silent' })));
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('answers 401 problem+json with WWW-Authenticate when no token is sent', async () => {
    const res = await fetch(`${base}/any`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(await res.json()).toMatchObject({ status: 401, title: 'Unauthorized' });
  });

  it('answers 401 to a wrong token', async () => {
    const res = await fetch(`${base}/any`, { headers: { authorization: 'Bearer l2-desk-token-00000002' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
  });

  it('answers 401 to a token sent with another scheme', async () => {
    const res = await fetch(`${base}/any`, { headers: { authorization: 'Token l2-desk-token-00000001' } });
    expect(res.status).toBe(401);
  });

  it('answers 403 to a valid token whose role may not use the route', async () => {
    const res = await fetch(`${base}/staff`, { method: 'POST', headers: { authorization: 'Bearer viewer-token-000000001' } });
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toBeNull();
    expect((await res.json()) as { detail: string }).toMatchObject({ status: 403, detail: expect.stringContaining('viewer') });
  });

  it('lets a permitted role through with its principal on the request', async () => {
    const res = await fetch(`${base}/staff`, { method: 'POST', headers: { authorization: 'Bearer l2-desk-token-00000001' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ name: 'l2-desk', role: 'l2' });
  });

  it('lets any authenticated principal through when no roles are listed', async () => {
    const res = await fetch(`${base}/any`, { headers: { authorization: 'Bearer ingest-token-000000001' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ name: 'alertmanager', role: 'ingest' });
  });
});
