// The OpenAPI document against the daemon that serves it: it is 3.1 and self-consistent, every route the
// real express app registers is documented with its method, every documented route exists, and what
// the API returns for an incident is what the document describes.
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { Express } from 'express';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { buildDaemon, type Daemon } from '../../src/app.js';
import { configSchema } from '../../src/config/schema.js';
import { registeredRoutes, withDaemonApp } from '../helpers/express-routes.js';
import { makeTempDir, type TempDir } from '../helpers/tmp.js';

const DOC_PATH = new URL('../../src/http/openapi.json', import.meta.url).pathname;
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;
const L1_TOKEN = 'l1-desk-token-0123456789';
const INGEST_TOKEN = 'ingest-bot-token-0123456789';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the document is free-form JSON; the tests probe it
type Json = Record<string, any>;
const doc = JSON.parse(readFileSync(DOC_PATH, 'utf8')) as Json;

/** The object a local `$ref` (`#/components/examples/X`) points at. */
const resolve = (ref: string): Json => ref.slice(2).split('/').reduce<Json>((node, key) => node?.[key.replaceAll('~1', '/').replaceAll('~0', '~')], doc);

/** Every example the document gives with the schema it illustrates: media types' `example`/`examples` and schemas' own `examples`. */
function examples(): Array<{ where: string; schema: Json; value: unknown }> {
  const out: Array<{ where: string; schema: Json; value: unknown }> = [];
  const media = (where: string, content: Json | undefined) => {
    for (const [type, m] of Object.entries(content ?? {}) as Array<[string, Json]>) {
      if (!/^application\/(problem\+)?json$/.test(type) || !m.schema) continue;
      if ('example' in m) out.push({ where: `${where} ${type}`, schema: m.schema, value: m.example });
      for (const [name, e] of Object.entries((m.examples ?? {}) as Json)) out.push({ where: `${where} ${type} "${name}"`, schema: m.schema, value: (e.$ref ? resolve(e.$ref) : e).value });
    }
  };
  for (const op of documentedOperations()) {
    const [method, path] = op.split(' ');
    const operation = doc.paths[path][method] as Json;
    media(`${op} request`, operation.requestBody?.content);
    for (const [code, response] of Object.entries(operation.responses as Json)) if (!response.$ref) media(`${op} ${code}`, response.content);
  }
  for (const [name, response] of Object.entries(doc.components.responses as Json)) media(`response ${name}`, response.content);
  for (const [name, schema] of Object.entries(doc.components.schemas as Json)) {
    for (const [i, value] of ((schema.examples ?? []) as unknown[]).entries()) out.push({ where: `schema ${name} example ${i}`, schema: { $ref: `#/components/schemas/${name}` }, value });
  }
  return out;
}

function documentedOperations(): string[] {
  return Object.entries(doc.paths as Json).flatMap(([path, item]) => METHODS.filter((m) => item[m]).map((m) => `${m} ${path}`));
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

  it('gives examples for the main operations, each valid against the schema it illustrates', () => {
    const all = examples();
    for (const op of ['post /api/v1/ingest/console request', 'post /api/v1/ingest/alertmanager request', 'post /api/v1/ingest/ticketing request',
      'post /api/v1/incidents request', 'post /api/v1/incidents 201', 'get /api/v1/incidents/{id} 200', 'post /api/v1/incidents/{id}/escalate request',
      'post /api/v1/maintenance request', 'get /api/v1/servers 200', 'get /api/v1/customers 200', 'response Unprocessable']) {
      expect(all.some((e) => e.where.startsWith(op)), `an example for ${op}`).toBe(true);
    }
    // OpenAPI 3.1 schemas are JSON Schema 2020-12; its own keywords (discriminator, …) are annotations here.
    const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
    ajv.addSchema({ $id: 'urn:escalatord:openapi', components: doc.components });
    const invalid: string[] = [];
    for (const [i, e] of all.entries()) {
      const schema = JSON.parse(JSON.stringify(e.schema).replaceAll('"#/components/', '"urn:escalatord:openapi#/components/')) as Json;
      const validate = ajv.compile({ $id: `urn:escalatord:example:${i}`, ...schema });
      if (!validate(e.value)) invalid.push(`${e.where}: ${ajv.errorsText(validate.errors)}`);
    }
    expect(invalid).toEqual([]);
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
      auth: { tokens: [{ name: 'l1-desk', role: 'l1', token: L1_TOKEN }, { name: 'ingest-bot', role: 'ingest', token: INGEST_TOKEN }] },
      customers: [{ id: 'acme', name: 'Acme Ltd', authorisedContacts: [{ name: 'Jo Bloggs', email: 'jo@acme.example' }] }],
    });
    ({ result: daemon, app } = await withDaemonApp(() => buildDaemon({ config, logger: pino({ level: 'silent' }) })));
    await daemon.start();
    // No console is configured, so the server L1 logs against is known from a report pushed for it.
    const report = await fetch(`${daemon.url}/api/v1/ingest/console`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${INGEST_TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ serverId: 'srv-0001', customerId: 'acme', name: 'acme-hq-01', observedAt: new Date().toISOString(), reachable: true, components: [] }),
    });
    expect(report.status).toBe(202);
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
