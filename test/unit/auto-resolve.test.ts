// DESIGN §5, "back to ok": a recovered incident resolves itself after the stable window only where no
// person has acted on it; otherwise it stays recovered and waits for a person. One row per case.
import { describe, expect, it } from 'vitest';
import { autoResolve, personActed, type AutoResolve } from '../../src/domain/auto-resolve.js';
import { acknowledge, addNote, createIncident, escalate, reportProgress, setStatus } from '../../src/domain/incident.js';
import type { Actor, Incident } from '../../src/domain/types.js';

const T0 = new Date('2026-11-25T10:00:00.000Z');
const RECOVERED = '2026-11-25T10:10:00.000Z';
const WINDOW = 5 * 60_000;
const at = (iso: string) => new Date(iso);
const MONITOR: Actor = { kind: 'system', name: 'escalatord' };
const DISPATCHER: Actor = { kind: 'system', name: 'escalatord-dispatcher' };
const L2: Actor = { kind: 'user', name: 'l2-desk', role: 'l2' };
const VENDOR: Actor = { kind: 'vendor', name: 'vendor-bot' };

function opened(level: 2 | 3 = 3, source: Incident['source'] = 'poll'): Incident {
  return createIncident({
    id: 'INC-000001', type: 'fault', title: 'backup failed', serverId: 'srv-0001', customerId: 'acme', component: 'backup', componentKind: 'software',
    source, priority: 'P2', level, reporter: null, symptoms: [], requestType: null, detectedAt: T0.toISOString(),
    actor: source === 'manual' ? { kind: 'user', name: 'l1-desk', role: 'l1' } : MONITOR,
  }, T0);
}
const recovered = (i: Incident): Incident => ({ ...addNote(i, MONITOR, at(RECOVERED), 'recovered', 'healthy again'), recoveredAt: RECOVERED });
const T1 = at('2026-11-25T10:05:00Z');

interface Row { line: string; incident: Incident; now: string; windowMs: number | undefined; expected: AutoResolve }
const rows: Row[] = [
  { line: 'nobody acted and the window has passed: resolve', incident: recovered(opened()), now: '2026-11-25T10:15:00Z', windowMs: WINDOW, expected: { action: 'resolve' } },
  { line: 'nobody acted, well past the window: resolve', incident: recovered(opened(2)), now: '2026-11-25T12:00:00Z', windowMs: WINDOW, expected: { action: 'resolve' } },
  { line: 'nobody acted and the window is still running: not yet, with the instant it is due', incident: recovered(opened()), now: '2026-11-25T10:14:59Z', windowMs: WINDOW,
    expected: { action: 'not-yet', dueAt: '2026-11-25T10:15:00.000Z' } },
  { line: 'only the daemon wrote to the timeline (ticket created, diagnostics): still resolves',
    incident: recovered(addNote(addNote(opened(), DISPATCHER, T1, 'ticket-created'), DISPATCHER, T1, 'diagnostics')), now: '2026-11-25T10:15:00Z', windowMs: WINDOW, expected: { action: 'resolve' } },
  { line: 'the vendor acknowledged: waits for a person', incident: recovered(acknowledge(opened(), VENDOR, T1)), now: '2026-11-26T10:00:00Z', windowMs: WINDOW,
    expected: { action: 'wait-for-person', why: 'person-acted' } },
  { line: 'an L2 engineer escalated it to L3 ("needs vendor action"): waits for a person', incident: recovered(escalate(opened(2), 3, L2, T1, 'notes', 'needs vendor action')),
    now: '2026-11-26T10:00:00Z', windowMs: WINDOW, expected: { action: 'wait-for-person', why: 'person-acted' } },
  { line: 'the vendor reported progress: waits for a person', incident: recovered(reportProgress(acknowledge(opened(), VENDOR, T1), VENDOR, T1, 'patch in test')),
    now: '2026-11-26T10:00:00Z', windowMs: WINDOW, expected: { action: 'wait-for-person', why: 'person-acted' } },
  { line: 'someone changed its status: waits for a person', incident: recovered(setStatus(acknowledge(opened(2), L2, T1), 'awaiting-customer', L2, T1)),
    now: '2026-11-26T10:00:00Z', windowMs: WINDOW, expected: { action: 'wait-for-person', why: 'person-acted' } },
  { line: 'the Service Provider complained: waits for a person', incident: recovered(addNote(opened(), L2, T1, 'complaint', 'too slow')),
    now: '2026-11-26T10:00:00Z', windowMs: WINDOW, expected: { action: 'wait-for-person', why: 'person-acted' } },
  { line: 'L1 linked a customer report to it: waits for a person', incident: recovered(addNote(opened(), { kind: 'user', name: 'l1-desk', role: 'l1' }, T1, 'linked-report', 'users cannot send mail')),
    now: '2026-11-26T10:00:00Z', windowMs: WINDOW, expected: { action: 'wait-for-person', why: 'person-acted' } },
  { line: 'acknowledged (acknowledgedAt set) even without a person in the timeline: waits', incident: { ...recovered(opened()), acknowledgedAt: T1.toISOString() },
    now: '2026-11-26T10:00:00Z', windowMs: WINDOW, expected: { action: 'wait-for-person', why: 'person-acted' } },
  { line: 'logged by a person (L1) rather than monitoring: waits for a person', incident: recovered(opened(2, 'manual')), now: '2026-11-26T10:00:00Z', windowMs: WINDOW,
    expected: { action: 'wait-for-person', why: 'logged-by-person' } },
  { line: 'auto-resolve not configured: a recovered incident waits for a person', incident: recovered(opened()), now: '2026-11-26T10:00:00Z', windowMs: undefined,
    expected: { action: 'wait-for-person', why: 'auto-resolve-off' } },
  { line: 'not recovered (or relapsed since): nothing to decide', incident: opened(), now: '2026-11-26T10:00:00Z', windowMs: WINDOW, expected: { action: 'not-recovered' } },
  { line: 'already resolved: nothing to decide', incident: { ...recovered(opened()), status: 'resolved' }, now: '2026-11-26T10:00:00Z', windowMs: WINDOW, expected: { action: 'not-recovered' } },
];

describe('autoResolve', () => {
  it.each(rows)('$line', ({ incident, now, windowMs, expected }) => {
    expect(autoResolve(incident, at(now), windowMs)).toEqual(expected);
  });
});

describe('personActed', () => {
  it.each([
    { line: 'a monitoring incident nobody touched', incident: opened(), expected: false },
    { line: 'a token holder wrote to the timeline', incident: addNote(opened(), L2, T1, 'status'), expected: true },
    { line: 'the vendor wrote to the timeline', incident: addNote(opened(), VENDOR, T1, 'progress'), expected: true },
    { line: 'the daemon wrote to the timeline', incident: addNote(opened(), DISPATCHER, T1, 'ticket-failed'), expected: false },
  ])('$line: $expected', ({ incident, expected }) => {
    expect(personActed(incident)).toBe(expected);
  });
});
