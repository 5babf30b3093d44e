// The audit export on a real express app over the memory engine: NDJSON and CSV of [since, until),
// paged through the store, CSV quoting and formula guarding, every bad parameter named, admin only, and
// a client that stops reading holds the export back instead of letting it pile up in memory.
import { get } from 'node:http';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_CSV_COLUMNS, createAuditRouter, parseAuditQuery } from '../../src/http/routes/audit-routes.js';
import { csvCell } from '../../src/http/csv.js';
import type { AuditEntry, NewAuditEntry, Store } from '../../src/store/port.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { waitFor } from '../helpers/net.js';
import { ROUTE_TOKENS, expectStatus, routeAuth, startRoutes, type RouteHarness } from '../helpers/route-harness.js';

const NOW = new Date('2026-11-26T00:00:00Z');
const store = new MemoryStore({ now: () => NOW });
/** 500 entries of 64 KB: 32 MB, far more than the loopback socket buffers hold. */
const bulky = new MemoryStore({ now: () => NOW });
let reads = 0;
/** The store's reads, counting the audit pages asked for. */
const counting = (s: MemoryStore): Pick<Store, 'read'> => ({
  read: new Proxy(s.read, {
    get: (target, prop) => (prop === 'audit' ? { range: (q: Parameters<Store['read']['audit']['range']>[0]) => { reads += 1; return target.audit.range(q); } } : target[prop as keyof typeof target]),
  }),
});
let h: RouteHarness;
let big: RouteHarness;

const at = (minute: number) => new Date(Date.parse('2026-11-25T00:00:00Z') + minute * 60_000).toISOString();
const TRICKY: NewAuditEntry = {
  at: at(5), incidentId: 'INC-000002', actor: { kind: 'user', name: 'l2-desk, "night"', role: 'l2' }, action: 'incident.progress',
  note: '=HYPERLINK("http://evil.example","click")\nline two', data: { status: 'in-progress' },
};

beforeAll(async () => {
  await store.open();
  await store.transaction((uow) => {
    uow.audit.append({ at: '2026-11-24T23:59:59.999Z', incidentId: 'INC-000001', actor: { kind: 'system', name: 'monitor' }, action: 'incident.created' });
    // 2,500 entries on the 25th: more than two pages of 1,000.
    for (let i = 0; i < 2_500; i++) {
      uow.audit.append(i === 5 ? TRICKY : { at: at(i % 1440), incidentId: `INC-${String(i).padStart(6, '0')}`, actor: { kind: 'vendor', name: 'Sam Vendor' }, action: 'incident.acknowledged', note: 'x'.repeat(200) });
    }
    uow.audit.append({ at: '2026-11-26T00:00:00.000Z', incidentId: 'INC-000003', actor: { kind: 'system', name: 'sla' }, action: 'sla.breached' });
  });
  await bulky.open();
  await bulky.transaction((uow) => {
    for (let i = 0; i < 500; i++) uow.audit.append({ at: at(i), incidentId: `INC-${String(i).padStart(6, '0')}`, actor: { kind: 'system', name: 'bulk' }, action: 'incident.updated', note: 'y'.repeat(64 * 1024) });
  });
  h = await startRoutes([createAuditRouter({ auth: routeAuth(), store: counting(store), now: () => NOW, logger: pino({ level: 'silent' }) })]);
  big = await startRoutes([createAuditRouter({ auth: routeAuth(), store: counting(bulky), now: () => NOW, logger: pino({ level: 'silent' }), pageSize: 10 })]);
});
afterAll(async () => {
  await h.close();
  await big.close();
  await store.close();
  await bulky.close();
});

const DAY = 'since=2026-11-25T00:00:00Z&until=2026-11-26T00:00:00Z';

describe('GET /api/v1/audit', () => {
  it('streams every entry of the range as NDJSON, in order, across pages, and none outside it', async () => {
    const res = await h.call('admin', 'GET', `/api/v1/audit?${DAY}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="escalatord-audit-2026-11-25T000000000Z-2026-11-26T000000000Z.ndjson"');
    const entries = (await res.text()).trimEnd().split('\n').map((l) => JSON.parse(l) as AuditEntry);
    expect(entries).toHaveLength(2_500);
    expect(entries.map((e) => e.id)).toEqual([...entries.map((e) => e.id)].sort((a, b) => a - b));
    expect(new Set(entries.map((e) => e.id)).size).toBe(2_500);
    expect(entries.every((e) => e.at >= '2026-11-25T00:00:00.000Z' && e.at < '2026-11-26T00:00:00.000Z')).toBe(true);
    expect(entries[5]).toMatchObject(TRICKY);
  });

  it('exports CSV with a header row, quoting, and formulas shown as text', async () => {
    const res = await h.call('admin', 'GET', `/api/v1/audit?${DAY}&format=csv`);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const text = await res.text();
    const lines = text.split('\r\n');
    expect(lines[0]).toBe(AUDIT_CSV_COLUMNS.join(','));
    expect(text).toContain('"l2-desk, ""night""",l2,incident.progress,"\'=HYPERLINK(""http://evil.example"",""click"")\nline two","{""status"":""in-progress""}"\r\n');
    // 2,500 rows and the header; the tricky note's line break is inside quotes.
    expect(text.match(/\r\n/g)).toHaveLength(2_501);
  });

  it('defaults to the day up to now', async () => {
    const text = await (await h.call('admin', 'GET', '/api/v1/audit')).text();
    expect(text.trimEnd().split('\n')).toHaveLength(2_500);
  });

  it.each([
    ['since=yesterday', ['since']],
    ['since=2026-11-25&until=2026-11-26', ['since', 'until']],
    ['format=xml', ['format']],
    ['since=2026-11-26T00:00:00Z&until=2026-11-25T00:00:00Z', ['until']],
    ['since=2026-11-25T00:00:00Z&since=2026-11-24T00:00:00Z', ['since']],
  ])('refuses %s with a 400 naming %j', async (query, expected) => {
    const body = await expectStatus<{ errors: Array<{ field: string }> }>(await h.call('admin', 'GET', `/api/v1/audit?${query}`), 400);
    expect(body.errors.map((e) => e.field)).toEqual(expected);
  });

  it('is for admin only', async () => {
    for (const role of ['viewer', 'l1', 'l2', 'l3', 'ingest'] as const) await expectStatus(await h.call(role, 'GET', `/api/v1/audit?${DAY}`), 403);
    await expectStatus(await h.call(null, 'GET', `/api/v1/audit?${DAY}`), 401);
  });

  it('reads the next page only as fast as the client takes the last one', async () => {
    reads = 0;
    const url = new URL(`${big.url}/api/v1/audit?${DAY}`);
    const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      get(url, { headers: { authorization: `Bearer ${ROUTE_TOKENS.admin}` } }, resolve).on('error', reject);
    });
    res.pause();
    // 500 entries of 64 KB in pages of 10: 51 reads if nothing held the server back.
    let last = -1;
    await waitFor(async () => {
      const settled = reads === last && reads > 0;
      last = reads;
      await new Promise((r) => setTimeout(r, 100));
      return settled;
    }, { what: 'the export to stop reading while the client is not' });
    const whilePaused = reads;
    expect(whilePaused).toBeLessThan(30);
    let received = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (received += chunk));
    const ended = new Promise((resolve) => res.on('end', resolve));
    res.resume();
    await ended;
    expect(received.trimEnd().split('\n')).toHaveLength(500);
    expect(reads).toBe(51);
  });
});

describe('audit helpers', () => {
  it('reads since and until as instants and defaults the range to the day before until', () => {
    expect(parseAuditQuery({ until: '2026-11-25T12:00:00+01:00' }, NOW)).toEqual({ since: '2026-11-24T11:00:00.000Z', until: '2026-11-25T11:00:00.000Z', format: 'ndjson' });
  });

  it.each([
    ['=1+2', "'=1+2"], ['+44 20', "'+44 20"], ['-x', "'-x"], ['@SUM(A1)', "'@SUM(A1)"], ['\tx', "'\tx"],
    ['a,b', '"a,b"'], ['say "hi"', '"say ""hi"""'], ['plain', 'plain'], ['', ''],
  ])('writes the cell %j as %j', (value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });
});
