// Which SLA clocks each incident transition starts, pauses, resumes or stops (DESIGN §7), one row per
// case: the clocks before, the transition with the incident's status/level/priority after it, and the
// state of [response, progress, resolution] after. Clocks pause exactly while awaiting-customer.
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { domainPolicies } from '../../src/config/to-domain.js';
import { evaluate, onAcknowledged, onPaused, startSla, type SlaContext } from '../../src/domain/sla.js';
import { clocksAfter, slaAfterTransition, type IncidentTransition, type TransitionContext } from '../../src/domain/sla-transition.js';
import type { ClockName, ClockState, IncidentSla, IncidentStatus, Level, Priority } from '../../src/domain/types.js';

const policy = domainPolicies(configSchema.parse({})).sla;
const ctx = (priority: Priority, level: Level, status: IncidentStatus): TransitionContext => ({ policy, priority, level, status });
const slaCtx = (priority: Priority, level: Level): SlaContext => ({ policy, priority, level });
const at = (iso: string) => new Date(iso);

// P1 runs on the 24x7 calendar: respond 30m, progress every 1h, resolve 4h.
const T0 = at('2026-06-01T10:00:00Z');
const T5 = at('2026-06-01T10:05:00Z');
const T10 = at('2026-06-01T10:10:00Z');
const T20 = at('2026-06-01T10:20:00Z');
const T60 = at('2026-06-01T11:00:00Z');

const openL3 = startSla(T0, slaCtx('P1', 3));
const openL2 = startSla(T0, slaCtx('P1', 2));
const ackedL3 = onAcknowledged(openL3, T5, slaCtx('P1', 3));
const ackedL2 = onAcknowledged(openL2, T5, slaCtx('P1', 2));
const awaitingL3 = onPaused(ackedL3, T10, slaCtx('P1', 3));
const awaitingL2 = onPaused(ackedL2, T10, slaCtx('P1', 2));

type States = [response: ClockState, progress: ClockState, resolution: ClockState];
interface Row {
  line: string;
  before: IncidentSla | null;
  transition: IncidentTransition;
  now: Date;
  after: TransitionContext;
  states: States;
  /** Due instants to check, where the row is about when a clock comes due. */
  dueAt?: Partial<Record<ClockName, string | null>>;
}

const rows: Row[] = [
  { line: 'creation starts response and resolution; progress waits for the vendor’s acknowledgement',
    before: null, transition: { kind: 'created' }, now: T0, after: ctx('P1', 3, 'open'), states: ['running', 'stopped', 'running'],
    dueAt: { response: '2026-06-01T10:30:00.000Z', resolution: '2026-06-01T14:00:00.000Z' } },
  { line: 'an incident without clocks (SLA added later) gets fresh ones on any transition',
    before: null, transition: { kind: 'acknowledged' }, now: T0, after: ctx('P1', 3, 'acknowledged'), states: ['running', 'stopped', 'running'] },
  { line: 'the vendor’s acknowledgement at L3 meets response and starts progress',
    before: openL3, transition: { kind: 'acknowledged' }, now: T5, after: ctx('P1', 3, 'acknowledged'), states: ['met', 'running', 'running'],
    dueAt: { progress: '2026-06-01T11:05:00.000Z' } },
  { line: 'an acknowledgement at L2 meets response; progress stays stopped (it is the vendor’s clock)',
    before: openL2, transition: { kind: 'acknowledged' }, now: T5, after: ctx('P1', 2, 'acknowledged'), states: ['met', 'stopped', 'running'] },
  { line: 'a progress report at L3 starts a fresh progress run from now',
    before: ackedL3, transition: { kind: 'progress' }, now: T20, after: ctx('P1', 3, 'in-progress'), states: ['met', 'running', 'running'],
    dueAt: { progress: '2026-06-01T11:20:00.000Z' } },
  { line: 'a progress report at L2 leaves the progress clock stopped',
    before: ackedL2, transition: { kind: 'progress' }, now: T20, after: ctx('P1', 2, 'in-progress'), states: ['met', 'stopped', 'running'] },
  { line: 'moving to awaiting-customer pauses every running clock',
    before: ackedL3, transition: { kind: 'status', from: 'acknowledged' }, now: T10, after: ctx('P1', 3, 'awaiting-customer'), states: ['met', 'paused', 'paused'],
    dueAt: { progress: null, resolution: null } },
  { line: 'moving back to in-progress resumes them with the working time they had left',
    before: awaitingL3, transition: { kind: 'status', from: 'awaiting-customer' }, now: T60, after: ctx('P1', 3, 'in-progress'), states: ['met', 'running', 'running'],
    dueAt: { progress: '2026-06-01T11:55:00.000Z', resolution: '2026-06-01T14:50:00.000Z' } },
  { line: 'a progress report while awaiting the customer resumes the clocks and restarts progress from now',
    before: awaitingL3, transition: { kind: 'progress' }, now: T60, after: ctx('P1', 3, 'in-progress'), states: ['met', 'running', 'running'],
    dueAt: { progress: '2026-06-01T12:00:00.000Z', resolution: '2026-06-01T14:50:00.000Z' } },
  { line: 'a status move that keeps the incident in progress changes no clock',
    before: ackedL3, transition: { kind: 'status', from: 'in-progress' }, now: T20, after: ctx('P1', 3, 'in-progress'), states: ['met', 'running', 'running'],
    dueAt: { progress: '2026-06-01T11:05:00.000Z' } },
  { line: 'escalation L2 → L3 restarts response for the new owner; progress waits for its acknowledgement',
    before: ackedL2, transition: { kind: 'escalated', from: 2 }, now: T20, after: ctx('P1', 3, 'open'), states: ['running', 'stopped', 'running'],
    dueAt: { response: '2026-06-01T10:50:00.000Z', resolution: '2026-06-01T14:00:00.000Z' } },
  { line: 'escalation L3 → L4 restarts response and keeps the vendor’s progress clock running',
    before: ackedL3, transition: { kind: 'escalated', from: 3 }, now: T20, after: ctx('P1', 4, 'open'), states: ['running', 'running', 'running'],
    dueAt: { progress: '2026-06-01T11:05:00.000Z' } },
  { line: 'escalation while awaiting the customer reopens the incident: its clocks run again',
    before: awaitingL2, transition: { kind: 'escalated', from: 2 }, now: T60, after: ctx('P1', 3, 'open'), states: ['running', 'stopped', 'running'],
    dueAt: { response: '2026-06-01T11:30:00.000Z', resolution: '2026-06-01T14:50:00.000Z' } },
  { line: 'a priority change re-measures running clocks against the new targets',
    before: startSla(T0, slaCtx('P2', 3)), transition: { kind: 'priority', from: 'P2' }, now: T10, after: ctx('P1', 3, 'open'), states: ['running', 'stopped', 'running'],
    dueAt: { response: '2026-06-01T10:30:00.000Z', resolution: '2026-06-01T14:00:00.000Z' } },
  { line: 'a priority change while awaiting the customer keeps the clocks paused',
    before: awaitingL3, transition: { kind: 'priority', from: 'P1' }, now: T20, after: ctx('P2', 3, 'awaiting-customer'), states: ['met', 'paused', 'paused'],
    dueAt: { resolution: null } },
  { line: 'resolution meets resolve and stops progress',
    before: ackedL3, transition: { kind: 'resolved' }, now: T60, after: ctx('P1', 3, 'resolved'), states: ['met', 'stopped', 'met'] },
  { line: 'resolution while awaiting the customer meets the paused clocks and leaves nothing paused',
    before: awaitingL3, transition: { kind: 'resolved' }, now: T60, after: ctx('P1', 3, 'resolved'), states: ['met', 'stopped', 'met'] },
  { line: 'resolution before any acknowledgement answers the response clock too',
    before: openL3, transition: { kind: 'resolved' }, now: T10, after: ctx('P1', 3, 'resolved'), states: ['met', 'stopped', 'met'] },
];

describe('slaAfterTransition (DESIGN §7)', () => {
  it.each(rows)('$line', ({ before, transition, now, after, states, dueAt }) => {
    const { sla } = slaAfterTransition(before, transition, now, after);
    expect([sla.response.state, sla.progress.state, sla.resolution.state]).toEqual(states);
    for (const [clock, due] of Object.entries(dueAt ?? {})) expect(sla[clock as ClockName].dueAt, clock).toBe(due);
  });

  it('fires a deadline passed just before the transition, then applies it', () => {
    const { sla, fired, met } = slaAfterTransition(openL3, { kind: 'acknowledged' }, at('2026-06-01T10:40:00Z'), ctx('P1', 3, 'acknowledged'));
    expect(fired).toEqual([{ clock: 'response', kind: 'warning' }, { clock: 'response', kind: 'breach' }]);
    expect(sla.response).toMatchObject({ state: 'breached', breachedAt: '2026-06-01T10:30:00.000Z', metAt: '2026-06-01T10:40:00.000Z' });
    expect(met).toEqual([]);
  });

  it('lists the clocks the transition met, for sla_met_total', () => {
    expect(slaAfterTransition(openL3, { kind: 'acknowledged' }, T5, ctx('P1', 3, 'acknowledged')).met).toEqual(['response']);
    expect(slaAfterTransition(ackedL3, { kind: 'resolved' }, T60, ctx('P1', 3, 'resolved')).met).toEqual(['resolution']);
  });

  it('fires nothing twice: a transition after evaluate has fired a breach fires nothing more', () => {
    const breached = evaluate(openL3, at('2026-06-01T10:31:00Z')).sla;
    expect(slaAfterTransition(breached, { kind: 'acknowledged' }, at('2026-06-01T10:32:00Z'), ctx('P1', 3, 'acknowledged')).fired).toEqual([]);
  });

  it('never changes the clocks it was given', () => {
    const before = structuredClone(awaitingL3);
    clocksAfter(awaitingL3, { kind: 'progress' }, T60, ctx('P1', 3, 'in-progress'));
    expect(awaitingL3).toEqual(before);
  });
});
