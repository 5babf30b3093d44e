// The incident lifecycle as pure functions: each legal move records its actor, each illegal one is a
// ConflictError (HTTP 409), and who may act on an incident depends on its level.
import { describe, expect, it } from 'vitest';
import { ConflictError, ForbiddenError } from '../../src/domain/errors.js';
import {
  acknowledge, acknowledgedOnTheWay, assertMayAct, canMove, changePriority, createIncident, escalate, reportProgress, resolve, roleLevel, setStatus,
} from '../../src/domain/incident.js';
import { INCIDENT_STATUSES, LEVELS, ROLES, type Actor, type Incident, type IncidentStatus, type Level, type Role } from '../../src/domain/types.js';

const T0 = new Date('2026-11-25T10:00:00.000Z');
const T1 = new Date('2026-11-25T10:05:00.000Z');
const DESK: Actor = { kind: 'user', name: 'l2-desk', role: 'l2' };
const VENDOR: Actor = { kind: 'vendor', name: 'vendor-bot' };

function fresh(level: Level = 2): Incident {
  return createIncident({
    id: 'INC-000001', type: 'fault', title: 'backup failed', serverId: 'srv-0001', customerId: 'acme', component: 'backup',
    componentKind: 'software', source: 'poll', priority: 'P2', level, reporter: null, symptoms: [], requestType: null,
    detectedAt: T0.toISOString(), actor: { kind: 'system', name: 'escalatord' },
  }, T0);
}

/** The incident in `status`, reached through legal moves. */
function inStatus(status: IncidentStatus, level: Level = 2): Incident {
  const open = fresh(level);
  switch (status) {
    case 'open': return open;
    case 'acknowledged': return acknowledge(open, DESK, T0);
    case 'in-progress': return reportProgress(acknowledge(open, DESK, T0), DESK, T0, 'looking');
    case 'awaiting-customer': return setStatus(acknowledge(open, DESK, T0), 'awaiting-customer', DESK, T0);
    case 'resolved': return resolve(open, DESK, T0, 'server');
  }
}

// The status moves the product promises (setStatus); escalate and resolve are separate transitions.
const LEGAL_MOVES: Array<[IncidentStatus, IncidentStatus]> = [
  ['open', 'acknowledged'],
  ['acknowledged', 'in-progress'],
  ['acknowledged', 'awaiting-customer'],
  ['in-progress', 'in-progress'],
  ['in-progress', 'awaiting-customer'],
  ['awaiting-customer', 'in-progress'],
];
const isLegal = (from: IncidentStatus, to: IncidentStatus) => LEGAL_MOVES.some(([f, t]) => f === from && t === to);
const ILLEGAL_MOVES = INCIDENT_STATUSES.flatMap((from) => INCIDENT_STATUSES.filter((to) => !isLegal(from, to)).map((to) => ({ from, to })));

describe('incident transitions that are legal', () => {
  it('starts open at its level with a "created" entry naming who opened it', () => {
    const i = fresh(3);
    expect(i).toMatchObject({ status: 'open', level: 3, acknowledgedAt: null, resolvedAt: null, management: { step: 1, history: [] } });
    expect(i.timeline).toEqual([expect.objectContaining({ action: 'created', actor: { kind: 'system', name: 'escalatord' }, at: T0.toISOString() })]);
  });

  it.each(LEGAL_MOVES.filter(([from]) => from !== 'open'))('moves from %s to %s and records the actor and both statuses', (from, to) => {
    const moved = setStatus(inStatus(from), to, DESK, T1, 'why');
    expect(moved.status).toBe(to);
    expect(moved.updatedAt).toBe(T1.toISOString());
    expect(moved.timeline.at(-1)).toEqual({ at: T1.toISOString(), actor: DESK, action: 'status', note: 'why', data: { from, to } });
  });

  it('acknowledges an open incident once, stamping acknowledgedAt and the actor', () => {
    const acked = acknowledge(fresh(), VENDOR, T1, 'on it');
    expect(acked).toMatchObject({ status: 'acknowledged', acknowledgedAt: T1.toISOString() });
    expect(acked.timeline.at(-1)).toMatchObject({ actor: VENDOR, action: 'acknowledged', note: 'on it' });
  });

  it('records progress as in-progress with lastProgressAt', () => {
    const p = reportProgress(inStatus('acknowledged'), VENDOR, T1, 'found the cause');
    expect(p).toMatchObject({ status: 'in-progress', lastProgressAt: T1.toISOString() });
    expect(p.timeline.at(-1)).toMatchObject({ actor: VENDOR, action: 'progress', note: 'found the cause' });
  });

  it('records progress while awaiting the customer, which moves the incident back to in-progress', () => {
    expect(reportProgress(inStatus('awaiting-customer'), DESK, T1, 'customer answered').status).toBe('in-progress');
  });

  it('escalates one level up, back to open for the new owner, with the reason in the timeline', () => {
    const e = escalate(inStatus('in-progress', 2), 3, DESK, T1, 'notes', 'reproduced on the server');
    expect(e).toMatchObject({ level: 3, status: 'open' });
    expect(e.timeline.at(-1)).toEqual({ at: T1.toISOString(), actor: DESK, action: 'escalated', note: 'reproduced on the server', data: { from: 2, to: 3, reason: 'notes' } });
  });

  it.each(['open', 'acknowledged', 'in-progress', 'awaiting-customer'] as const)('resolves from %s with the root cause', (from) => {
    const r = resolve(inStatus(from), VENDOR, T1, 'lan', 'switch port');
    expect(r).toMatchObject({ status: 'resolved', resolvedAt: T1.toISOString(), rootCause: 'lan' });
    expect(r.timeline.at(-1)).toMatchObject({ actor: VENDOR, action: 'resolved', data: { rootCause: 'lan' } });
  });

  it('changes priority with a timeline entry, and does nothing when the priority is the same', () => {
    const i = fresh();
    expect(changePriority(i, 'P1', DESK, T1, 'two failures').timeline.at(-1)).toMatchObject({ action: 'priority', data: { from: 'P2', to: 'P1' } });
    expect(changePriority(i, 'P2', DESK, T1, 'same')).toBe(i);
  });

  it('never changes the incident it was given', () => {
    const i = fresh();
    const before = structuredClone(i);
    acknowledge(i, DESK, T1);
    escalate(i, 3, DESK, T1, 'manual');
    resolve(i, DESK, T1, 'other');
    expect(i).toEqual(before);
  });
});

describe('incident transitions that are illegal (ConflictError)', () => {
  const conflict = (fn: () => unknown) => expect(fn).toThrow(ConflictError);

  it('refuses to acknowledge twice', () => conflict(() => acknowledge(inStatus('acknowledged'), DESK, T1)));
  it('refuses to acknowledge an incident already in progress', () => conflict(() => acknowledge(inStatus('in-progress'), DESK, T1)));
  it('refuses to acknowledge an incident awaiting the customer', () => conflict(() => acknowledge(inStatus('awaiting-customer'), DESK, T1)));
  it('refuses progress before the incident is acknowledged', () => conflict(() => reportProgress(fresh(), DESK, T1, 'too early')));

  it.each([
    ['acknowledge', (i: Incident) => acknowledge(i, DESK, T1)],
    ['report progress', (i: Incident) => reportProgress(i, DESK, T1, 'x')],
    ['move to in-progress', (i: Incident) => setStatus(i, 'in-progress', DESK, T1)],
    ['move to awaiting-customer', (i: Incident) => setStatus(i, 'awaiting-customer', DESK, T1)],
    ['escalate', (i: Incident) => escalate(i, 3, DESK, T1, 'manual')],
    ['resolve again', (i: Incident) => resolve(i, DESK, T1, 'server')],
  ])('refuses to %s on a resolved incident', (_what, act) => conflict(() => act(inStatus('resolved'))));

  it.each([
    { from: 3, to: 2 },
    { from: 4, to: 1 },
    { from: 2, to: 2 },
  ] as Array<{ from: Level; to: Level }>)('refuses to escalate from level $from to $to (not upwards)', ({ from, to }) => {
    conflict(() => escalate(fresh(from), to, DESK, T1, 'manual'));
  });

  it.each([
    { from: 1, to: 3 },
    { from: 2, to: 4 },
    { from: 1, to: 4 },
  ] as Array<{ from: Level; to: Level }>)('refuses to escalate from level $from straight to $to (more than one level)', ({ from, to }) => {
    conflict(() => escalate(fresh(from), to, DESK, T1, 'manual'));
  });

  it.each(ILLEGAL_MOVES)('refuses the status move $from → $to', ({ from, to }) => {
    expect(canMove(from, to)).toBe(false);
    conflict(() => setStatus(inStatus(from), to, DESK, T1));
  });

  it('agrees with canMove on every legal move', () => {
    for (const [from, to] of LEGAL_MOVES) expect(canMove(from, to), `${from} → ${to}`).toBe(true);
  });
});

describe('assertMayAct', () => {
  // Which levels each role may act on: its own and those below; the vendor's l3 covers 3 and 4.
  const MAY: Record<Role, Level[]> = {
    viewer: [],
    ingest: [],
    l1: [1],
    l2: [1, 2],
    l3: [1, 2, 3, 4],
    admin: [1, 2, 3, 4],
  };
  const cases = ROLES.flatMap((role) => LEVELS.map((level) => ({ role, level, allowed: MAY[role].includes(level) })));

  it.each(cases)('role $role on a level $level incident: allowed=$allowed', ({ role, level, allowed }) => {
    const act = () => assertMayAct(role, level, 'acknowledge');
    if (allowed) expect(act).not.toThrow();
    else expect(act).toThrow(ForbiddenError);
  });

  it('says which role and level were refused', () => {
    expect(() => assertMayAct('l1', 3, 'acknowledge')).toThrow(/role "l1" may not acknowledge an incident held at level 3/);
  });

  it('ranks roles for the request catalogue: l1 below l2 below l3', () => {
    expect(roleLevel('viewer')).toBeLessThan(roleLevel('l1'));
    expect(roleLevel('l1')).toBe(1);
    expect(roleLevel('l2')).toBe(2);
    expect(roleLevel('l3')).toBeGreaterThanOrEqual(3);
  });
});

describe('acknowledgedOnTheWay: whoever starts working on an unacknowledged incident has it', () => {
  const rows: Array<[from: IncidentStatus, to: IncidentStatus, expected: boolean, why: string]> = [
    ['open', 'in-progress', true, 'a progress report or "in progress" on an open incident acknowledges it'],
    ['open', 'awaiting-customer', true, 'waiting for the customer means someone has it'],
    ['open', 'acknowledged', false, 'the acknowledgement itself'],
    ['open', 'resolved', false, 'resolving needs no acknowledgement'],
    ['acknowledged', 'in-progress', false, 'already acknowledged'],
    ['in-progress', 'awaiting-customer', false, 'already being worked'],
    ['awaiting-customer', 'in-progress', false, 'already being worked'],
  ];
  it.each(rows)('%s → %s: %s (%s)', (from, to, expected) => {
    expect(acknowledgedOnTheWay(from, to)).toBe(expected);
  });
});
