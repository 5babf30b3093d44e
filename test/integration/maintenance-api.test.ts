// Maintenance windows over HTTP on a real in-process daemon: create, list and delete, validation, roles,
// and the point of it all: a failure the console shows inside a window — one-off or weekly — is recorded,
// not escalated. (Every validation case is in maintenance-routes.test.ts.)
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MaintenanceWindow } from '../../src/store/port.js';
import { componentOf, serversOf, setConsoleComponent, startDaemonInProcess, TOKEN_NAMES, type InProcessDaemon } from '../helpers/daemon-in-process.js';

let d: InProcessDaemon;
beforeEach(async () => {
  d = await startDaemonInProcess();
});
afterEach(() => d.stop());

const inMinutes = (m: number) => new Date(Date.now() + m * 60_000).toISOString();
const window = (over: Record<string, unknown> = {}) => ({ serverId: serversOf(d, 'acme')[0], startsAt: inMinutes(-1), endsAt: inMinutes(60), reason: 'firmware upgrade', ...over });

async function json<T = Record<string, unknown>>(res: Response, status: number): Promise<T> {
  const body = await res.text();
  expect(res.status, body).toBe(status);
  return (body ? JSON.parse(body) : null) as T;
}
const fields = (body: { errors?: Array<{ field: string }> }) => (body.errors ?? []).map((e) => e.field);
const incidents = async () => d.daemon.store.read.incidents.list({ status: 'all', limit: 100 });
const list = async (query = '') => (await json<{ items: MaintenanceWindow[]; nextCursor: null }>(await d.api('viewer', 'GET', `/api/v1/maintenance${query}`), 200)).items;

describe('maintenance API', () => {
  it('creates a window (201), lists it and deletes it (204)', async () => {
    const body = window({ component: 'backup' });
    const res = await d.api('l2', 'POST', '/api/v1/maintenance', body);
    const created = await json<MaintenanceWindow>(res, 201);
    expect(res.headers.get('location')).toBe(`/api/v1/maintenance/${created.id}`);
    expect(created).toMatchObject({ serverId: body.serverId, customerId: null, component: 'backup', reason: 'firmware upgrade', createdBy: TOKEN_NAMES.l2 });
    expect(Date.parse(created.startsAt)).toBe(Date.parse(body.startsAt));

    expect((await list()).map((w) => w.id)).toEqual([created.id]);
    const del = await d.api('admin', 'DELETE', `/api/v1/maintenance/${created.id}`);
    expect(del.status).toBe(204);
    expect(await list()).toEqual([]);
    await json(await d.api('admin', 'DELETE', `/api/v1/maintenance/${created.id}`), 404);
  });

  it('lists an ended window only when asked for include=ended', async () => {
    const ended = await json<MaintenanceWindow>(await d.api('l2', 'POST', '/api/v1/maintenance', window({ startsAt: inMinutes(-120), endsAt: inMinutes(-60) })), 201);
    expect(await list()).toEqual([]);
    expect((await list('?include=ended')).map((w) => w.id)).toEqual([ended.id]);
  });

  it('refuses a window that ends before it starts with a 400 naming endsAt', async () => {
    const body = await json(await d.api('l2', 'POST', '/api/v1/maintenance', window({ startsAt: inMinutes(60), endsAt: inMinutes(30) })), 400);
    expect(fields(body)).toEqual(['endsAt']);
    expect(await d.daemon.store.read.maintenance.list()).toEqual([]);
  });

  it('refuses a window naming neither a server nor a customer, one without a reason and bad instants', async () => {
    expect(fields(await json(await d.api('l2', 'POST', '/api/v1/maintenance', window({ serverId: undefined })), 400))).toContain('serverId');
    expect(fields(await json(await d.api('l2', 'POST', '/api/v1/maintenance', window({ reason: undefined })), 400))).toContain('reason');
    expect(fields(await json(await d.api('l2', 'POST', '/api/v1/maintenance', window({ startsAt: 'next tuesday' })), 400))).toContain('startsAt');
  });

  it('lets a viewer read windows but not create or delete them (403), nor an L1 desk or the vendor', async () => {
    const created = await json<MaintenanceWindow>(await d.api('l2', 'POST', '/api/v1/maintenance', window()), 201);
    for (const role of ['viewer', 'l1', 'l3'] as const) {
      await json(await d.api(role, 'POST', '/api/v1/maintenance', window()), 403);
      await json(await d.api(role, 'DELETE', `/api/v1/maintenance/${created.id}`), 403);
    }
    expect(await list()).toHaveLength(1);
    await json(await d.api(null, 'GET', '/api/v1/maintenance'), 401);
  });

  it('opens no incident for a failure inside a window and records it on the window; after deletion failures escalate again', async () => {
    const serverId = serversOf(d, 'acme')[0];
    const created = await json<MaintenanceWindow>(await d.api('l2', 'POST', '/api/v1/maintenance', window({ serverId })), 201);
    await setConsoleComponent(d, serverId, componentOf(d, serverId, 'software'), 'failed', 'service terminated');
    expect(await incidents()).toEqual([]);
    expect(await d.daemon.store.read.outbox.pending()).toBe(0);
    const [listed] = await list();
    expect(listed.suppressed).toEqual([expect.objectContaining({ what: expect.stringContaining('failed on') })]);

    await json(await d.api('l2', 'DELETE', `/api/v1/maintenance/${created.id}`), 204);
    const hardware = componentOf(d, serverId, 'hardware');
    await setConsoleComponent(d, serverId, hardware, 'failed', 'disk 2 failed');
    expect((await incidents()).map((i) => [i.component, i.level])).toEqual([[hardware, 2]]);
  });

  it('covers every server of the customer a window names', async () => {
    await json(await d.api('l2', 'POST', '/api/v1/maintenance', window({ serverId: undefined, customerId: 'acme' })), 201);
    for (const serverId of serversOf(d, 'acme')) await setConsoleComponent(d, serverId, componentOf(d, serverId, 'hardware'), 'failed');
    expect(await incidents()).toEqual([]);
    // A server of another customer is not covered.
    const globex = serversOf(d, 'globex')[0];
    await setConsoleComponent(d, globex, componentOf(d, globex, 'hardware'), 'failed');
    expect((await incidents()).map((i) => i.serverId)).toEqual([globex]);
  });

  it('suppresses a failure inside a weekly window in its time zone, and lists the window as not ended', async () => {
    const serverId = serversOf(d, 'acme')[0];
    // Every day, all day (a `to` equal to `from` is a whole day): whatever the test's clock says, it is inside.
    const weekly = { serverId, recurrence: { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '00:00', to: '00:00' }, timezone: 'Europe/London', reason: 'rolling patching' };
    const created = await json<MaintenanceWindow>(await d.api('l2', 'POST', '/api/v1/maintenance', weekly), 201);
    expect(created).toMatchObject({ recurrence: weekly.recurrence, timezone: 'Europe/London', endsAt: null });
    await setConsoleComponent(d, serverId, componentOf(d, serverId, 'software'), 'failed', 'service terminated');
    expect(await incidents()).toEqual([]);
    expect((await list()).map((w) => w.id)).toEqual([created.id]);
  });
});
