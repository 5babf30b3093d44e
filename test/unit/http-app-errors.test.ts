// What the HTTP layer answers and logs for requests an attacker or a broken client sends.
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { ConflictError } from '../../src/domain/errors.js';
import { createHttpApp } from '../../src/http/app.js';
import { createLogger } from '../../src/observability/logger.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function start(): Promise<{ url: string; log: () => Array<Record<string, unknown>> }> {
  const chunks: string[] = [];
  const destination = new Writable({ write(c: Buffer, _e, done) { chunks.push(c.toString('utf8')); done(); } });
  const logger = createLogger({ level: 'debug', destination });
  const router = express.Router();
  router.post('/echo', express.json(), (req, res) => res.json(req.body));
  router.post('/raw', express.raw({ type: '*/*' }), (req, res) => res.json({ bytes: (req.body as Buffer).length }));
  router.post('/incidents/INC-1/acknowledge', () => {
    throw new ConflictError('incident INC-1 is already in-progress', { status: 'in-progress' });
  });
  router.get('/api/v1/incidents', (_req, res) => res.json({ items: [] }));
  const app = createHttpApp({ logger, isReady: () => true, routers: [router] });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  close = () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    log: () => chunks.join('').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('problem answers', () => {
  it('a 409 says status 409, and the incident\'s own status travels in another member', async () => {
    const { url } = await start();
    const res = await fetch(`${url}/incidents/INC-1/acknowledge`, { method: 'POST' });
    expect(res.status).toBe(409);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.status).toBe(409);
    expect(body.title).toBe('Conflict');
    expect(body.currentStatus).toBe('in-progress');
  });

  it('a body that claims gzip, deflate or br but is not is a 400 naming the body, not a 500', async () => {
    const { url, log } = await start();
    for (const encoding of ['gzip', 'deflate', 'br']) {
      for (const path of ['/echo', '/raw']) {
        const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': encoding }, body: '{"not":"compressed"}' });
        expect(res.status, `${encoding} ${path}`).toBe(400);
        expect(res.headers.get('content-type')).toContain('application/problem+json');
        expect(((await res.json()) as { errors: Array<{ field: string }> }).errors[0].field).toBe('body');
      }
    }
    expect(log().filter((l) => l.msg === 'unhandled error in a request')).toEqual([]);
  });

  it('a body that is really compressed is still accepted', async () => {
    const { url } = await start();
    const json = '{"a":1}';
    for (const [encoding, body] of [['gzip', gzipSync(json)], ['br', brotliCompressSync(json)]] as const) {
      const res = await fetch(`${url}/echo`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': encoding }, body });
      expect(await res.json()).toEqual({ a: 1 });
    }
  });
});

describe('the request log', () => {
  it('never records a token sent in the query string, whatever the parameter is called', async () => {
    const { url, log } = await start();
    const secrets = ['qs-token-SECRET-1', 'qs-access-SECRET-2', 'qs-key-SECRET-3', 'qs-sig-SECRET-4'];
    await fetch(`${url}/api/v1/incidents?token=${secrets[0]}&level=3&access_token=${secrets[1]}&apiKey=${secrets[2]}&signature=${secrets[3]}`);
    await fetch(`${url}/nowhere?TOKEN=${secrets[0]}`, { method: 'POST' });
    const lines = log().filter((l) => l.msg === 'request');
    expect(lines).toHaveLength(2);
    const text = JSON.stringify(lines);
    for (const s of secrets) expect(text).not.toContain(s);
    expect(lines[0].url).toBe('/api/v1/incidents?token=[redacted]&level=3&access_token=[redacted]&apiKey=[redacted]&signature=[redacted]');
  });
});
