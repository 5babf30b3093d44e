// The dashboard's state module (src/web/state.js): the triage order, the header counts, filters and their
// saved form, how snapshots, events and full incidents from the REST API combine. Plain ES module, no DOM.
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- the dashboard is plain JavaScript without type declarations
import * as S from '../../src/web/state.js';

const T0 = Date.parse('2026-11-25T10:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

type Clock = { dueAt: string | null; state: string; warnedAt?: string | null; warnAt?: string | null; metAt?: string | null };
const running = (dueMin: number, warnMin?: number): Clock => ({ dueAt: at(dueMin), state: 'running', warnedAt: null, warnAt: warnMin === undefined ? null : at(warnMin) });
const done: Clock = { dueAt: null, state: 'stopped', warnedAt: null };

function incident(id: string, over: Record<string, unknown> = {}) {
  return {
    id, level: 2, priority: 'P3', status: 'open', type: 'fault', title: `title of ${id}`, serverId: 'srv-1', customerId: 'acme',
    createdAt: at(-60), updatedAt: at(-60),
    sla: { response: running(60), progress: done, resolution: running(600) },
    timeline: [{ at: at(-60), actor: { kind: 'system', name: 'monitor' }, action: 'created', note: 'opened' }],
    ...over,
  };
}

describe('clockVerdict', () => {
  it.each([
    ['a running clock before its warning', running(30, 20), 0, 'running'],
    ['a running clock past its warning instant', running(30, 20), 25, 'at-risk'],
    ['a clock the daemon marked at risk, even if the browser clock lags', { ...running(30, 20), state: 'at-risk' }, 0, 'at-risk'],
    ['a running clock past its due instant', running(30, 20), 31, 'breached'],
    ['a clock the daemon marked breached', { dueAt: at(30), state: 'breached', metAt: null }, 0, 'breached'],
    ['a breached clock answered late (nothing left to save)', { dueAt: at(30), state: 'breached', metAt: at(40) }, 50, 'done'],
    ['a paused clock', { dueAt: null, state: 'paused' }, 100, 'paused'],
    ['a met clock', { dueAt: null, state: 'met' }, 100, 'done'],
    ['no clock', undefined, 0, 'done'],
  ])('says %s is %s', (_what, clock, minute, verdict) => {
    expect(S.clockVerdict(clock, T0 + (minute as number) * 60_000)).toBe(verdict);
  });
});

describe('triage order', () => {
  it('puts a breached incident above one with 27 seconds left, whatever their priorities', () => {
    const soon = incident('INC-1', { priority: 'P1', sla: { response: { dueAt: new Date(T0 + 27_000).toISOString(), state: 'at-risk', warnedAt: at(-5) }, progress: done, resolution: running(600) } });
    const breached = incident('INC-2', { priority: 'P4', sla: { response: { dueAt: at(-1), state: 'breached', metAt: null }, progress: done, resolution: running(600) } });
    expect(S.triageOrder([soon, breached], T0).map((i: { id: string }) => i.id)).toEqual(['INC-2', 'INC-1']);
  });

  it('orders breached, then at risk, then the rest, each by time to the breach, then those with nothing running', () => {
    const list = [
      incident('calm-late', { sla: { response: running(90), progress: done, resolution: running(900) } }),
      incident('paused', { sla: { response: { dueAt: null, state: 'paused' }, progress: done, resolution: { dueAt: null, state: 'paused' } } }),
      incident('risk-later', { sla: { response: running(40, 10), progress: done, resolution: running(900) } }),
      incident('breached-recently', { sla: { response: running(-2), progress: done, resolution: running(900) } }),
      incident('calm-soon', { sla: { response: running(50, 45), progress: done, resolution: running(900) } }),
      incident('breached-long-ago', { sla: { response: running(-30), progress: done, resolution: running(900) } }),
      incident('risk-sooner', { sla: { response: running(20, 5), progress: done, resolution: running(900) } }),
    ];
    expect(S.triageOrder(list, T0).map((i: { id: string }) => i.id)).toEqual([
      'breached-long-ago', 'breached-recently', 'risk-sooner', 'risk-later', 'calm-soon', 'calm-late', 'paused',
    ]);
  });

  it('breaks a tie on the due instant by priority, then age', () => {
    const a = incident('a', { priority: 'P3', createdAt: at(-10) });
    const b = incident('b', { priority: 'P1', createdAt: at(-5) });
    const c = incident('c', { priority: 'P3', createdAt: at(-50) });
    expect(S.triageOrder([a, b, c], T0).map((i: { id: string }) => i.id)).toEqual(['b', 'c', 'a']);
  });

  it('names the clock that breaches next', () => {
    const inc = incident('x', { sla: { response: { dueAt: null, state: 'met' }, progress: running(30), resolution: running(20) } });
    expect(S.urgency(inc, T0)).toEqual({ rank: 2, dueAt: Date.parse(at(20)), clock: 'resolution' });
  });
});

describe('headerCounts', () => {
  it('counts open, breached, at risk, unacknowledged and P1, each incident once', () => {
    const list = [
      incident('1', { priority: 'P1', sla: { response: running(-5), progress: done, resolution: running(-1) } }),
      incident('2', { status: 'acknowledged', sla: { response: { dueAt: null, state: 'met' }, progress: done, resolution: running(30, -10) } }),
      incident('3', { priority: 'P1', status: 'in-progress' }),
      incident('4', { status: 'resolved' }),
    ];
    expect(S.headerCounts(list, T0)).toEqual({ open: 3, breached: 1, atRisk: 1, unacknowledged: 1, p1: 2 });
  });
});

describe('filters and search', () => {
  const names = { server: (id: string) => (id === 'srv-1' ? 'acme-hq-01' : id), customer: (id: string) => (id === 'acme' ? 'Acme Ltd' : id) };
  const base = { ...S.DEFAULT_FILTERS };

  it('takes L3 to mean the vendor lane, L3 and L4 alike', () => {
    expect(S.matchesFilters(incident('a', { level: 4 }), { ...base, level: '3' }, names)).toBe(true);
    expect(S.matchesFilters(incident('a', { level: 2 }), { ...base, level: '3' }, names)).toBe(false);
    expect(S.matchesFilters(incident('a', { level: 2 }), { ...base, level: '2' }, names)).toBe(true);
  });

  it('filters on priority, customer and status', () => {
    const inc = incident('a', { priority: 'P2', customerId: 'acme', status: 'awaiting-customer' });
    expect(S.matchesFilters(inc, { ...base, priority: 'P2', customer: 'acme', status: 'awaiting-customer' }, names)).toBe(true);
    expect(S.matchesFilters(inc, { ...base, priority: 'P1' }, names)).toBe(false);
    expect(S.matchesFilters(inc, { ...base, customer: 'globex' }, names)).toBe(false);
    expect(S.matchesFilters(inc, { ...base, status: 'open' }, names)).toBe(false);
  });

  it('finds an incident by its id, its server name or id, and its customer name, ignoring case', () => {
    const inc = incident('INC-000042');
    for (const q of ['inc-000042', '42', 'ACME-HQ', 'srv-1', 'acme ltd']) expect(S.matchesFilters(inc, { ...base, q }, names), q).toBe(true);
    expect(S.matchesFilters(inc, { ...base, q: 'globex' }, names)).toBe(false);
  });

  it('turns the level and customer filters into the live subscribe filter', () => {
    expect(S.liveFilterFor({ ...base, level: '3', customer: 'acme', priority: 'P1' })).toEqual({ levels: [3, 4], customerIds: ['acme'], serverIds: [], types: [] });
    expect(S.liveFilterFor(base)).toEqual({ levels: [], customerIds: [], serverIds: [], types: [] });
    expect(S.sameLiveFilter(S.liveFilterFor({ ...base, q: 'x', priority: 'P2' }), S.liveFilterFor(base))).toBe(true);
    expect(S.sameLiveFilter(S.liveFilterFor({ ...base, level: '1' }), S.liveFilterFor(base))).toBe(false);
  });
});

describe('saved preferences', () => {
  it('reads back what it wrote', () => {
    const prefs = { mode: 'list', filters: { level: '2', priority: 'P1', customer: 'acme', status: 'open', q: 'srv-0001' } };
    expect(S.parsePrefs(S.serializePrefs(prefs))).toEqual(prefs);
  });

  it('falls back to the defaults for anything unknown or malformed, and never throws', () => {
    const defaults = { mode: 'board', filters: { level: '', priority: '', customer: '', status: '', q: '' } };
    for (const text of [null, '', '{', 'null', '[]', '"list"', '{"mode":"grid"}']) expect(S.parsePrefs(text), String(text)).toEqual(defaults);
    expect(S.parsePrefs('{"mode":"list","filters":{"level":"9","priority":"P7","status":"gone","customer":42,"q":{"a":1}}}'))
      .toEqual({ mode: 'list', filters: defaults.filters });
    expect(S.parsePrefs(JSON.stringify({ filters: { q: 'x'.repeat(500) } })).filters.q).toBe('');
    expect(S.parsePrefs('{"__proto__":{"mode":"list"}}')).toEqual(defaults);
  });
});

describe('combining snapshots, events and full incidents', () => {
  const entry = (min: number, action: string, name = 'l2-desk') => ({ at: at(min), actor: { kind: 'user', name, role: 'l2' }, action });

  it('keeps the whole history when an event carries only the latest timeline entry', () => {
    const full = incident('INC-1', { updatedAt: at(-10), timeline: [entry(-60, 'created'), entry(-30, 'escalated'), entry(-10, 'acknowledged')] });
    const summary = { ...full, updatedAt: at(-1), status: 'in-progress', timeline: [entry(-1, 'progress')] };
    const merged = S.mergeIncident(full, summary);
    expect(merged.status).toBe('in-progress');
    expect(merged.timeline.map((t: { action: string }) => t.action)).toEqual(['created', 'escalated', 'acknowledged', 'progress']);
    expect(S.mergeIncident(merged, summary).timeline).toHaveLength(4);
  });

  it('keeps a diagnostics payload that a summary of the same fetch leaves out, but not an older one', () => {
    const full = incident('INC-1', { diagnostics: { fetchedAt: at(-5), truncated: false, data: { summary: 'disk 2 failed' } } });
    const sameFetch = { ...full, diagnostics: { fetchedAt: at(-5), truncated: false, data: null } };
    expect(S.mergeIncident(full, sameFetch).diagnostics.data).toEqual({ summary: 'disk 2 failed' });
    const newerFetch = { ...full, diagnostics: { fetchedAt: at(-1), truncated: false, data: null } };
    expect(S.mergeIncident(full, newerFetch).diagnostics.data).toBeNull();
  });

  it('absorbs the REST API\'s full incidents into a snapshot without bringing back one the snapshot left out', () => {
    const state = S.createState();
    S.applySnapshot(state, { incidents: [incident('INC-1', { updatedAt: at(-1), timeline: [entry(-1, 'acknowledged')] })] }, 10);
    const older = incident('INC-1', { updatedAt: at(-20), timeline: [entry(-60, 'created'), entry(-20, 'escalated')] });
    const gone = incident('INC-9');
    expect(S.absorbFull(state, [older, gone])).toBe(1);
    expect(state.incidents.has('INC-9')).toBe(false);
    const inc = state.incidents.get('INC-1');
    expect(inc.updatedAt).toBe(at(-1));
    expect(inc.timeline.map((t: { action: string }) => t.action)).toEqual(['created', 'escalated', 'acknowledged']);
    expect(S.lastEscalation(inc)).toMatchObject({ by: 'l2-desk', at: at(-20) });
  });

  it('keeps the history it knows across a fresh snapshot (a reconnect)', () => {
    const state = S.createState();
    S.applySnapshot(state, { incidents: [incident('INC-1', { timeline: [entry(-60, 'created'), entry(-30, 'escalated')] })] }, 10);
    S.applySnapshot(state, { incidents: [incident('INC-1', { updatedAt: at(-5), timeline: [entry(-5, 'acknowledged')] })] }, 20);
    expect(state.incidents.get('INC-1').timeline.map((t: { action: string }) => t.action)).toEqual(['created', 'escalated', 'acknowledged']);
  });

  it('holds only what the live filter covers: the snapshot is trimmed and an incident leaving the filter leaves the page', () => {
    const state = S.createState();
    state.liveFilter = S.liveFilterFor({ ...S.DEFAULT_FILTERS, level: '2' });
    S.applySnapshot(state, {
      incidents: [incident('INC-1'), incident('INC-2', { level: 3 })],
      servers: [{ id: 'srv-1', customerId: 'acme', components: [] }],
    }, 10);
    expect([...state.incidents.keys()]).toEqual(['INC-1']);
    const escalated = { ...incident('INC-1', { level: 3, updatedAt: at(-1) }) };
    expect(S.applyEvent(state, { type: 'incident.escalated', seq: 11, at: at(-1), data: { incidentId: 'INC-1', incident: escalated } }).board).toBe(true);
    expect(state.incidents.size).toBe(0);
  });

  it('drops an incident escalated out of the level filter when the open list no longer has it there, but not one an event changed meanwhile', () => {
    const state = S.createState();
    state.liveFilter = S.liveFilterFor({ ...S.DEFAULT_FILTERS, level: '2' });
    S.applySnapshot(state, { incidents: [incident('INC-1'), incident('INC-2'), incident('INC-3')] }, 10);
    const before = new Map(state.incidents);
    // While the list was being read, an event updated INC-3 (and a new INC-4 arrived).
    S.applyEvent(state, { type: 'incident.updated', seq: 11, at: at(0), data: { incident: incident('INC-3', { updatedAt: at(0), status: 'acknowledged' }) } });
    S.applyEvent(state, { type: 'incident.created', seq: 12, at: at(0), data: { incident: incident('INC-4', { updatedAt: at(0) }) } });
    const fresh = [incident('INC-1', { timeline: [{ at: at(-90), actor: { kind: 'user', name: 'l1-desk' }, action: 'created' }] }), incident('INC-2', { level: 3, updatedAt: at(-1) })];
    expect(S.reconcile(state, before, fresh)).toBe(1);
    expect([...state.incidents.keys()].sort()).toEqual(['INC-1', 'INC-3', 'INC-4']);
    expect(state.incidents.get('INC-1').timeline).toHaveLength(2);
  });

  it('puts replayed events (at or below the snapshot\'s seq) in the feed only, once each, latest first', () => {
    const state = S.createState();
    S.applySnapshot(state, { incidents: [] }, 50);
    const created = { type: 'incident.created', seq: 45, at: at(-5), data: { incidentId: 'INC-7', incident: incident('INC-7') } };
    expect(S.applyEvent(state, created)).toMatchObject({ feed: true, board: false, created: null });
    expect(state.incidents.size).toBe(0);
    expect(S.applyEvent(state, created).feed).toBe(false);
    S.applyEvent(state, { type: 'console.up', seq: 51, at: at(0), data: { consoleId: 'main' } });
    S.applyEvent(state, { type: 'console.down', seq: 40, at: at(-9), data: { consoleId: 'dr' } });
    expect(state.feed.map((f: { seq: number }) => f.seq)).toEqual([51, 45, 40]);
    expect(state.lastSeq).toBe(51);
  });

  it('records when a server became unreachable, so the page can say since when', () => {
    const state = S.createState();
    S.applySnapshot(state, { servers: [{ id: 'srv-1', name: 'acme-hq-01', customerId: 'acme', reachable: true, components: [{ name: 'backup', kind: 'software', status: 'ok' }] }] }, 1);
    S.applyEvent(state, { type: 'component.changed', seq: 2, at: at(0), data: { serverId: 'srv-1', reachable: false, at: at(0) } });
    expect(state.servers.get('srv-1')).toMatchObject({ reachable: false, reachableSince: at(0) });
  });
});

describe('facts read off an incident', () => {
  it('finds the latest escalation with who, when, from and to', () => {
    const inc = incident('INC-1', {
      timeline: [
        { at: at(-50), actor: { kind: 'user', name: 'l1-desk', role: 'l1' }, action: 'escalated', note: 'user on site', data: { from: 1, to: 2, reason: 'manual' } },
        { at: at(-20), actor: { kind: 'user', name: 'l2-desk', role: 'l2' }, action: 'escalated', note: 'isolated to the server', data: { from: 2, to: 3, reason: 'notes' } },
        { at: at(-10), actor: { kind: 'vendor', name: 'vendor' }, action: 'acknowledged' },
      ],
    });
    expect(S.lastEscalation(inc)).toEqual({ at: at(-20), by: 'l2-desk', role: 'l2', from: 2, to: 3, reason: 'notes', note: 'isolated to the server' });
    expect(S.lastEscalation(incident('INC-2'))).toBeNull();
  });

  it('tells whether the console shows a software failure on a server (the L2 → L3 gate)', () => {
    const state = S.createState();
    S.applySnapshot(state, { servers: [
      { id: 'a', customerId: 'acme', components: [{ name: 'backup', kind: 'software', status: 'failed' }] },
      { id: 'b', customerId: 'acme', components: [{ name: 'disks', kind: 'hardware', status: 'failed' }] },
    ] }, 1);
    expect(S.consoleShowsSoftwareFailure(state, 'a')).toBe(true);
    expect(S.consoleShowsSoftwareFailure(state, 'b')).toBe(false);
    expect(S.consoleShowsSoftwareFailure(state, 'zzz')).toBe(false);
  });
});
