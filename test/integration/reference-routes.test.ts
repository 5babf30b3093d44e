// The reference routes (customers, SLA policy, roles, request catalogue) on a real express app on
// 127.0.0.1:0, built by createHttpApp with only this router: what each role sees, and that the data is
// the configuration's, in the shapes the dashboard reads.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { mayAct } from '../../src/domain/access.js';
import { LEVELS, type Role } from '../../src/domain/types.js';
import { createHttpApp } from '../../src/http/app.js';
import { TokenAuthenticator } from '../../src/http/auth.js';
import { ACTION_RULES, createReferenceRouter, describeTarget } from '../../src/http/routes/reference-routes.js';

const TOKENS: Record<Exclude<Role, 'ingest'> | 'ingest', string> = {
  viewer: 'viewer-token-0123456789',
  l1: 'l1-token-01234567890123',
  l2: 'l2-token-01234567890123',
  l3: 'l3-token-01234567890123',
  admin: 'admin-token-0123456789',
  ingest: 'ingest-token-012345678',
};

const config = configSchema.parse({
  auth: { tokens: (Object.keys(TOKENS) as Role[]).map((role) => ({ name: `${role}-desk`, role, token: TOKENS[role] })) },
  customers: [
    { id: 'acme', name: 'Acme Ltd', authorisedContacts: [{ name: 'Jo Bloggs', email: 'jo@acme.example' }] },
    { id: '__proto__', name: 'Proto & <Sons>', authorisedContacts: [] },
  ],
  requests: [{ type: 'reset-password', level: 1, description: "Reset a user's password" }, { type: 'restore-system-image', level: 3 }],
  sla: {
    warnAt: 0.8,
    calendars: {
      business: { timezone: 'Europe/London', hours: { mon: '09:00-17:30', tue: '09:00-17:30', wed: '09:00-17:30', thu: '09:00-17:30', fri: ['09:00-12:00', '13:00-17:00'] }, holidays: ['2026-12-28', '2026-12-25'] },
    },
    priorities: { P1: { respond: '30m', progressEvery: '1h', resolve: '4h', calendar: '24x7' }, P2: { respond: '90s', progressEvery: '4h', resolve: '1d', calendar: 'business' } },
  },
});

let server: Server;
let url: string;

beforeAll(async () => {
  const auth = new TokenAuthenticator(config.auth.tokens);
  const app = createHttpApp({ logger: pino({ level: 'silent' }), isReady: () => true, routers: [createReferenceRouter({ auth, config })] });
  server = createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((r) => {
    server.close(() => r());
    server.closeAllConnections();
  });
});

async function get(path: string, role: Role | null): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}${path}`, { headers: role ? { authorization: `Bearer ${TOKENS[role]}` } : {} });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('GET /api/v1/customers', () => {
  it('lists every configured customer with its authorised contacts for the desks that check reporters', async () => {
    for (const role of ['l1', 'l2', 'admin'] as const) {
      const { status, body } = await get('/api/v1/customers', role);
      expect(status).toBe(200);
      expect(body).toEqual({
        items: [
          { id: 'acme', name: 'Acme Ltd', authorisedContacts: [{ name: 'Jo Bloggs', email: 'jo@acme.example' }] },
          { id: '__proto__', name: 'Proto & <Sons>', authorisedContacts: [] },
        ],
        nextCursor: null,
      });
    }
  });

  it('gives a viewer and the vendor the names without the contacts', async () => {
    for (const role of ['viewer', 'l3'] as const) {
      const { status, body } = await get('/api/v1/customers', role);
      expect(status).toBe(200);
      expect(body.items).toEqual([{ id: 'acme', name: 'Acme Ltd' }, { id: '__proto__', name: 'Proto & <Sons>' }]);
    }
  });

  it('answers 401 without a token and 403 to the ingest role', async () => {
    expect((await get('/api/v1/customers', null)).status).toBe(401);
    const refused = await get('/api/v1/customers', 'ingest');
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toMatch(/ingest/);
  });
});

describe('GET /api/v1/sla/policy', () => {
  it('describes each calendar with its zone, hours per weekday as lists, and sorted holidays, plus the built-in 24x7', async () => {
    const { status, body } = await get('/api/v1/sla/policy', 'viewer');
    expect(status).toBe(200);
    expect(body.warnAt).toBe(0.8);
    const calendars = body.calendars as Record<string, { timezone: string; hours: Record<string, string[]>; holidays: string[]; builtIn: boolean }>;
    expect(calendars.business).toEqual({
      timezone: 'Europe/London',
      hours: { mon: ['09:00-17:30'], tue: ['09:00-17:30'], wed: ['09:00-17:30'], thu: ['09:00-17:30'], fri: ['09:00-12:00', '13:00-17:00'] },
      holidays: ['2026-12-25', '2026-12-28'],
      builtIn: false,
    });
    expect(calendars['24x7'].builtIn).toBe(true);
    expect(Object.keys(calendars['24x7'].hours)).toHaveLength(7);
  });

  it('gives each priority its targets in ms and as written, working days apart, and its calendar', async () => {
    const { body } = await get('/api/v1/sla/policy', 'l2');
    const priorities = body.priorities as Record<string, Record<string, unknown>>;
    expect(priorities.P1).toEqual({
      respond: { text: '30m', ms: 1_800_000, workingDays: null },
      progressEvery: { text: '1h', ms: 3_600_000, workingDays: null },
      resolve: { text: '4h', ms: 14_400_000, workingDays: null },
      calendar: '24x7',
    });
    expect(priorities.P2).toMatchObject({ respond: { text: '90s', ms: 90_000 }, resolve: { text: '1d', ms: null, workingDays: 1 }, calendar: 'business' });
    expect(Object.keys(priorities)).toEqual(['P1', 'P2', 'P3', 'P4']);
  });

  it('names the management steps in order, the support team first', async () => {
    const { body } = await get('/api/v1/sla/policy', 'viewer');
    const management = body.management as { steps: Array<{ step: number; title: string }>; attempts: number };
    expect(management.steps.map((s) => [s.step, s.title])).toEqual([
      [1, 'Support Team'], [2, 'Head of Support'], [3, 'VP Customer Success'], [4, 'Chief Operations Architect'],
    ]);
    expect(management.attempts).toBe(2);
  });
});

describe('GET /api/v1/roles', () => {
  it('gives each role the levels the domain rule lets it act on', async () => {
    const { status, body } = await get('/api/v1/roles', 'viewer');
    expect(status).toBe(200);
    const items = body.items as Array<{ role: Role; levels: number[]; reads: number[]; actions: string[] }>;
    for (const item of items) {
      if (item.role === 'ingest') {
        expect(item.levels).toEqual([]);
        continue;
      }
      expect(item.levels, item.role).toEqual(LEVELS.filter((level) => mayAct(item.role, level)));
    }
    expect(items.find((i) => i.role === 'viewer')).toEqual({ role: 'viewer', levels: [], reads: [1, 2, 3, 4], actions: [] });
    expect(items.find((i) => i.role === 'l3')).toMatchObject({ levels: [3, 4], reads: [3, 4] });
    expect(items.find((i) => i.role === 'l1')!.levels).toEqual([1]);
    expect(items.find((i) => i.role === 'l2')!.levels).toEqual([1, 2]);
  });

  it('lists which actions each role may take, as the action rules say', async () => {
    const { body } = await get('/api/v1/roles', 'l2');
    const byRole = new Map((body.items as Array<{ role: string; actions: string[] }>).map((i) => [i.role, i.actions]));
    expect(byRole.get('l2')).toEqual(expect.arrayContaining(['log', 'acknowledge', 'resolve', 'complaint', 'ticket.retry']));
    expect(byRole.get('l2')).not.toContain('management.acknowledge');
    expect(byRole.get('admin')).toContain('management.acknowledge');
    expect(byRole.get('l1')).not.toContain('ticket.retry');
    expect(byRole.get('ingest')).toEqual([]);
    expect(body.actions).toEqual(JSON.parse(JSON.stringify(ACTION_RULES)));
  });
});

describe('GET /api/v1/requests', () => {
  it('lists the request catalogue with the lowest level that may action each type', async () => {
    const { body } = await get('/api/v1/requests', 'l1');
    expect(body).toEqual({
      items: [
        { type: 'reset-password', level: 1, description: "Reset a user's password" },
        { type: 'restore-system-image', level: 3, description: null },
      ],
      nextCursor: null,
    });
  });
});

describe('describeTarget', () => {
  it('writes a target back as configuration would', () => {
    expect(describeTarget({ ms: 1_800_000 })).toEqual({ text: '30m', ms: 1_800_000, workingDays: null });
    expect(describeTarget({ ms: 1500 })).toEqual({ text: '1500ms', ms: 1500, workingDays: null });
    // 24 hours of working time, which `1d` (a working day) is not.
    expect(describeTarget({ ms: 86_400_000 })).toEqual({ text: '24h', ms: 86_400_000, workingDays: null });
    expect(describeTarget({ days: 3 })).toEqual({ text: '3d', ms: null, workingDays: 3 });
  });
});
