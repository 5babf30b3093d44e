// The OpenAPI document against the daemon that serves it: it is 3.1 and self-consistent, every route the
// real express app registers is documented with its method, every documented route exists, and what
// the API returns for an incident is what the document describes.
import { readFileSync } from 'node:fs';
import express, { type Express } from 'express';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { buildDaemon, type Daemon } from '../../src/app.js';
import { configSchema } from '../../src/config/schema.js';
import { makeTempDir, type TempDir } from '../helpers/tmp.js';

const DOC_PATH = new URL('../../src/http/openapi.json', import.meta.url).pathname;
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;
const L1_TOKEN = 'l1-desk-token-0123456789';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the document is free-form JSON; the tests probe it
type Json = Record<string, any>;
const doc = JSON.parse(readFileSync(DOC_PATH, 'utf8')) as Json;

/** `/api/v1/incidents/:id/escalate` → `/api/v1/incidents/{id}/escalate`. */
const toOpenApiPath = (expressPath: string) => expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
}

/** Every `METHOD path` registered on the app, through the routers mounted on it (all at the root). */
function registeredRoutes(app: Express): string[] {
  const out: string[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') out.push(`${method} ${toOpenApiPath(layer.route.path)}`);
      } else if (layer.handle.stack) walk(layer.handle.stack);
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return out;
}

function documentedOperations(): string[] {
  return Object.entries(doc.paths as Json).flatMap(([path, item]) => METHODS.filter((m) => item[m]).map((m) => `${m} ${path}`));
}

/** Builds the daemon and keeps hold of the express app createHttpApp makes, by watching `app.use`. */
function buildAndCaptureApp(config: ReturnType<typeof configSchema.parse>): { daemon: Daemon; app: Express } {
  const apps = new Set<Express>();
  const original = express.application.use;
  express.application.use = function (this: Express, ...args: unknown[]) {
    apps.add(this);
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  try {
    const daemon = buildDaemon({ config, logger: pino({ level: 'silent' }) });
    const app = [...apps].find((a) => registeredRoutes(a).includes('get /readyz'));
    if (!app) throw new Error('the daemon\'s express app was not seen');
    return { daemon, app };
  } finally {
    express.application.use = original;
  }
}

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 with a bearer scheme and the Standard Webhooks headers', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info.title).toBe('escalatord');
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    const headers = (doc.paths['/api/v1/ingest/console'].post.parameters as Json[]).map((p) => doc.components.parameters[String(p.$ref).split('/').pop()!].name);
    expect(headers).toEqual(expect.arrayContaining(['webhook-id', 'webhook-timestamp', 'webhook-signature']));
  });

  it('resolves every $ref to something the document defines', () => {
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(50);
    for (const ref of new Set(refs)) {
      expect(ref, ref).toMatch(/^#\//);
      const target = ref.slice(2).split('/').reduce<Json | undefined>((node, key) => node?.[key.replaceAll('~1', '/').replaceAll('~0', '~')], doc);
      expect(target, ref).toBeDefined();
    }
  });

  it('answers every authenticated operation\'s errors as problem+json, 401 included', () => {
    for (const op of documentedOperations()) {
      const [method, path] = op.split(' ');
      const operation = doc.paths[path][method] as Json;
      expect(operation.operationId, op).toBeTruthy();
      const codes = Object.keys(operation.responses);
      expect(codes.some((c) => /^2\d\d$|^101$/.test(c)), `${op} has a success response`).toBe(true);
      const open = Array.isArray(operation.security) && operation.security.length === 0;
      if (!open) expect(codes, `${op} documents 401`).toContain('401');
      for (const code of codes.filter((c) => /^[45]/.test(c))) {
        const name = String(operation.responses[code].$ref ?? '').split('/').pop()!;
        expect(doc.components.responses[name]?.content?.['application/problem+json'], `${op} ${code}`).toBeDefined();
      }
    }
  });

  it('describes every incident field DESIGN §8 names', () => {
    const fields = ['id', 'type', 'title', 'serverId', 'customerId', 'component', 'componentKind', 'source', 'priority', 'level', 'status', 'createdAt',
      'updatedAt', 'acknowledgedAt', 'resolvedAt', 'reporter', 'symptoms', 'diagnostics', 'ticket', 'sla', 'management', 'timeline'];
    expect(Object.keys(doc.components.schemas.Incident.properties)).toEqual(expect.arrayContaining(fields));
    expect(doc.components.schemas.SlaClock.properties).toHaveProperty('warnedAt');
  });
});

describe('the OpenAPI document against the running daemon', () => {
  let tmp: TempDir;
  let daemon: Daemon;
  let app: Express;

  beforeAll(async () => {
    tmp = makeTempDir('escalatord-openapi-');
    const config = configSchema.parse({
      server: { host: '127.0.0.1', port: 0, shutdownTimeout: '3s' },
      storage: { path: tmp.file('store.json') },
      auth: { tokens: [{ name: 'l1-desk', role: 'l1', token: L1_TOKEN }] },
      customers: [{ id: 'acme', name: 'Acme Ltd', authorisedContacts: [{ name: 'Jo Bloggs', email: 'jo@acme.example' }] }],
    });
    ({ daemon, app } = buildAndCaptureApp(config));
    await daemon.start();
  });

  afterAll(async () => {
    await daemon?.stop();
    tmp?.remove();
  });

  it('documents every route the express app registers, with its method', () => {
    const routes = registeredRoutes(app);
    expect(routes.length).toBeGreaterThan(20);
    const documented = new Set(documentedOperations());
    expect(routes.filter((r) => !documented.has(r))).toEqual([]);
  });

  it('documents no HTTP route the daemon does not serve', async () => {
    const concrete = (path: string) => path.replace(/\{[^}]+\}/g, 'INC-999999');
    for (const op of documentedOperations().filter((o) => o !== 'get /api/v1/live')) {
      const [method, path] = op.split(' ');
      const res = await fetch(`${daemon.url}${concrete(path)}`, { method: method.toUpperCase(), headers: { 'Content-Type': 'application/json' }, body: method === 'get' || method === 'delete' ? undefined : '{}' });
      const text = await res.text();
      expect(`${op} → ${res.status} ${text.slice(0, 120)}`).not.toMatch(/no route for/);
    }
  });

  it('serves the live feed where it documents it: a WebSocket upgrade that needs a token', async () => {
    const url = `${daemon.url.replace('http', 'ws')}/api/v1/live`;
    const refused = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('open', () => reject(new Error('opened without a token')));
      ws.once('error', () => undefined);
    });
    expect(refused).toBe(401);
    const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${L1_TOKEN}` } });
    const hello = await new Promise<Json>((resolve) => ws.once('message', (raw) => resolve(JSON.parse(String(raw)) as Json)));
    ws.terminate();
    expect(hello.type).toBe('hello');
    expect(doc.components.schemas.LiveMessage.oneOf[0].properties.type.enum).toContain('hello');
  });

  it('serves itself at GET /openapi.json', async () => {
    const res = await fetch(`${daemon.url}/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual(doc);
  });

  it('describes an incident exactly as the API returns one: no field undocumented, none required missing', async () => {
    const res = await fetch(`${daemon.url}/api/v1/incidents`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${L1_TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'fault', customerId: 'acme', serverId: 'srv-0001', reporter: { name: 'Jo Bloggs', email: 'jo@acme.example' }, symptoms: ['cannot print'] }),
    });
    expect(res.status).toBe(201);
    const incident = (await res.json()) as Json;
    const schemas = doc.components.schemas as Json;
    const check = (value: Json, schema: Json, where: string) => {
      expect(Object.keys(value).filter((k) => !(k in schema.properties)), `${where}: undocumented fields`).toEqual([]);
      expect((schema.required as string[]).filter((k) => !(k in value)), `${where}: required fields missing`).toEqual([]);
    };
    check(incident, schemas.Incident, 'Incident');
    for (const clock of ['response', 'progress', 'resolution']) check(incident.sla[clock], schemas.SlaClock, `SlaClock ${clock}`);
    check(incident.timeline[0], schemas.TimelineEntry, 'TimelineEntry');

    const problem = await fetch(`${daemon.url}/api/v1/incidents/INC-999999`, { headers: { Authorization: `Bearer ${L1_TOKEN}` } });
    expect(problem.status).toBe(404);
    expect(problem.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    check((await problem.json()) as Json, { ...schemas.Problem, properties: { ...schemas.Problem.properties } }, 'Problem');
  });
});
