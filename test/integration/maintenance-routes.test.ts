// The maintenance routes on a real express app over the memory engine of the storage port: one-off and
// weekly windows, every bad field named, writers limited to l2 and admin, nothing stored on a refusal.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { AUDIT_CSV_COLUMNS, createAuditRouter } from '../../src/http/routes/audit-routes.js';
import { createMaintenanceRouter } from '../../src/http/routes/maintenance-routes.js';
import type { AuditEntry, MaintenanceWindow, Store } from '../../src/store/port.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { expectStatus, routeAuth, routeTokenName, startRoutes, type RouteHarness } from '../helpers/route-harness.js';

const NOW = new Date('2026-11-25T10:00:00Z');
let store: MemoryStore;
let h: RouteHarness;

beforeAll(async () => {
  // Each test gets a fresh store behind the one router.
  const current: Pick<Store, 'read' | 'transaction'> = {
    get read() {
      return store.read;
    },
    transaction: (work) => store.transaction(work),
  };
  h = await startRoutes([
    createMaintenanceRouter({ auth: routeAuth(), store: current, now: () => NOW }),
    createAuditRouter({ auth: routeAuth(), store: current, now: () => NOW, logger: pino({ level: 'silent' }) }),
  ]);
});
beforeEach(async () => {
  store = new MemoryStore({ now: () => NOW });
  await store.open();
});
afterAll(() => h.close());

const fields = (body: { errors?: Array<{ field: string }> }) => (body.errors ?? []).map((e) => e.field).sort();
const oneOff = { serverId: 'srv-0001', component: 'backup', startsAt: '2026-11-25T09:00:00Z', endsAt: '2026-11-25T12:00:00+01:00', reason: 'firmware upgrade' };
const weekly = { customerId: 'acme', recurrence: { days: ['sat', 'sun'], from: '22:00', to: '02:00' }, timezone: 'Europe/London', reason: 'weekend patching' };

describe('maintenance routes', () => {
  it('creates a one-off window (201, Location), lists it, shows it and deletes it (204, then 404)', async () => {
    const created = await expectStatus<MaintenanceWindow>(await h.call('l2', 'POST', '/api/v1/maintenance', oneOff), 201);
    expect(created).toMatchObject({ serverId: 'srv-0001', customerId: null, component: 'backup', startsAt: '2026-11-25T09:00:00.000Z', endsAt: '2026-11-25T11:00:00.000Z', createdBy: routeTokenName('l2'), createdAt: NOW.toISOString() });
    expect(created.recurrence).toBeUndefined();
    expect(await store.read.maintenance.get(created.id)).toEqual(created);
    expect((await expectStatus<{ items: MaintenanceWindow[] }>(await h.call('viewer', 'GET', '/api/v1/maintenance'), 200)).items).toEqual([created]);
    expect(await expectStatus(await h.call('viewer', 'GET', `/api/v1/maintenance/${created.id}`), 200)).toEqual(created);
    await expectStatus(await h.call('admin', 'DELETE', `/api/v1/maintenance/${created.id}`), 204);
    expect(await store.read.maintenance.list()).toEqual([]);
    await expectStatus(await h.call('admin', 'DELETE', `/api/v1/maintenance/${created.id}`), 404);
    await expectStatus(await h.call('viewer', 'GET', `/api/v1/maintenance/${created.id}`), 404);
  });

  it('creates a weekly window in a time zone, starting now and never ending unless told', async () => {
    const res = await h.call('admin', 'POST', '/api/v1/maintenance', weekly);
    const created = await expectStatus<MaintenanceWindow>(res, 201);
    expect(res.headers.get('location')).toBe(`/api/v1/maintenance/${created.id}`);
    expect(created).toMatchObject({ customerId: 'acme', serverId: null, recurrence: weekly.recurrence, timezone: 'Europe/London', startsAt: NOW.toISOString(), endsAt: null });
    // A weekly window is never "ended": it shows without include=ended.
    expect((await expectStatus<{ items: unknown[] }>(await h.call('viewer', 'GET', '/api/v1/maintenance'), 200)).items).toHaveLength(1);
  });

  it('lists a one-off window that has ended only when asked for include=ended', async () => {
    const ended = await expectStatus<MaintenanceWindow>(await h.call('l2', 'POST', '/api/v1/maintenance', { ...oneOff, startsAt: '2026-11-24T08:00:00Z', endsAt: '2026-11-24T09:00:00Z' }), 201);
    expect((await expectStatus<{ items: unknown[] }>(await h.call('viewer', 'GET', '/api/v1/maintenance'), 200)).items).toEqual([]);
    expect((await expectStatus<{ items: MaintenanceWindow[] }>(await h.call('viewer', 'GET', '/api/v1/maintenance?include=ended'), 200)).items.map((w) => w.id)).toEqual([ended.id]);
  });

  it.each([
    ['a window ending before it starts', { ...oneOff, endsAt: '2026-11-25T08:00:00Z' }, ['endsAt']],
    ['a window naming neither server nor customer', { ...oneOff, serverId: undefined }, ['serverId']],
    ['a one-off window without its interval', { serverId: 's', reason: 'x' }, ['endsAt', 'startsAt']],
    ['a time zone without a recurrence', { ...oneOff, timezone: 'Europe/London' }, ['timezone']],
    ['a recurrence without a time zone', { ...weekly, timezone: undefined }, ['timezone']],
    ['an unknown time zone', { ...weekly, timezone: 'Europe/Atlantis' }, ['timezone']],
    ['an unknown day and bad times', { ...weekly, recurrence: { days: ['sat', 'caturday'], from: '24:00', to: '2:00' } }, ['recurrence.days.1', 'recurrence.from', 'recurrence.to']],
    ['a day twice', { ...weekly, recurrence: { days: ['sat', 'sun', 'sat'], from: '22:00', to: '02:00' } }, ['recurrence.days']],
    ['no days', { ...weekly, recurrence: { days: [], from: '22:00', to: '02:00' } }, ['recurrence.days']],
    ['an instant that is not one', { ...oneOff, startsAt: 'next tuesday' }, ['startsAt']],
    ['an unknown field', { ...oneOff, colour: 'red' }, ['body']],
  ])('refuses %s with a 400 naming the field, storing nothing', async (_what, body, expected) => {
    const problem = await expectStatus<{ errors: Array<{ field: string }> }>(await h.call('l2', 'POST', '/api/v1/maintenance', body), 400);
    expect(fields(problem)).toEqual(expected);
    expect(await store.read.maintenance.list()).toEqual([]);
  });

  it('lets every staff role read, only l2 and admin write (403 for l3, l1 and viewer), nobody anonymous (401)', async () => {
    const created = await expectStatus<MaintenanceWindow>(await h.call('l2', 'POST', '/api/v1/maintenance', oneOff), 201);
    for (const role of ['viewer', 'l1', 'l3'] as const) {
      await expectStatus(await h.call(role, 'GET', '/api/v1/maintenance'), 200);
      await expectStatus(await h.call(role, 'POST', '/api/v1/maintenance', oneOff), 403);
      await expectStatus(await h.call(role, 'DELETE', `/api/v1/maintenance/${created.id}`), 403);
    }
    await expectStatus(await h.call('ingest', 'GET', '/api/v1/maintenance'), 403);
    await expectStatus(await h.call(null, 'GET', '/api/v1/maintenance'), 401);
    await expectStatus(await h.call(null, 'POST', '/api/v1/maintenance', oneOff), 401);
    expect(await store.read.maintenance.list()).toHaveLength(1);
  });

  it('puts each window created or deleted in the audit export, with its actor and the window, in NDJSON and CSV; a refused write adds nothing', async () => {
    const created = await expectStatus<MaintenanceWindow>(await h.call('l2', 'POST', '/api/v1/maintenance', weekly), 201);
    await expectStatus(await h.call('l2', 'POST', '/api/v1/maintenance', { ...oneOff, endsAt: oneOff.startsAt }), 400);
    await expectStatus(await h.call('l3', 'POST', '/api/v1/maintenance', oneOff), 403);
    await expectStatus(await h.call('admin', 'DELETE', `/api/v1/maintenance/${created.id}`), 204);
    await expectStatus(await h.call('admin', 'DELETE', `/api/v1/maintenance/${created.id}`), 404);

    const day = 'since=2026-11-25T00:00:00Z&until=2026-11-26T00:00:00Z';
    const ndjson = await h.call('admin', 'GET', `/api/v1/audit?${day}`);
    expect(ndjson.status).toBe(200);
    const entries = (await ndjson.text()).trimEnd().split('\n').map((l) => JSON.parse(l) as AuditEntry);
    expect(entries).toEqual([
      { id: entries[0].id, at: NOW.toISOString(), actor: { kind: 'user', name: routeTokenName('l2'), role: 'l2' }, action: 'maintenance.created', note: 'weekend patching', data: { window: created } },
      { id: entries[1].id, at: NOW.toISOString(), actor: { kind: 'user', name: routeTokenName('admin'), role: 'admin' }, action: 'maintenance.deleted', note: 'weekend patching', data: { window: created } },
    ]);

    const csv = (await (await h.call('admin', 'GET', `/api/v1/audit?${day}&format=csv`)).text()).split('\r\n');
    expect(csv[0]).toBe(AUDIT_CSV_COLUMNS.join(','));
    // No incident: the incidentId column is empty.
    expect(csv[1]).toMatch(new RegExp(`^${entries[0].id},${NOW.toISOString()},,user,${routeTokenName('l2')},l2,maintenance\\.created,weekend patching,"\\{""window"":\\{""id"":""${created.id}""`));
    expect(csv[2]).toMatch(new RegExp(`^${entries[1].id},${NOW.toISOString()},,user,${routeTokenName('admin')},admin,maintenance\\.deleted,`));
    expect(csv).toHaveLength(4); // header, two rows, and the empty string after the last CRLF
  });
});
