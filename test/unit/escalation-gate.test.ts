// The escalation gate of DESIGN §1 and the seed's "Second Level Support": one row per case — L2 sends a
// fault to L3 at once on a console software failure, otherwise only with notes; everything else passes
// with its reason. Then who may action or escalate a request under the request catalogue.
import { describe, expect, it } from 'vitest';
import { consoleShowsSoftwareFailure, escalationGate, nextLevel, requestAuthority, type EscalationAsk, type EscalationGate } from '../../src/domain/escalation-gate.js';
import type { ComponentKind, ComponentStatus, Level, Role, ServerState } from '../../src/domain/types.js';

const NOTES_MESSAGE = 'the console shows no software failure on this server: give the reproduction/isolation notes that point at the server';

interface GateRow { line: string; ask: EscalationAsk; expected: EscalationGate }
const fault = (level: Level, extra: Partial<EscalationAsk> = {}): EscalationAsk => ({ type: 'fault', level, consoleShowsSoftwareFailure: false, ...extra });

const gateRows: GateRow[] = [
  { line: 'L2 → L3 with a software failure on the console: at once, without notes',
    ask: fault(2, { consoleShowsSoftwareFailure: true }), expected: { allowed: true, toLevel: 3, reason: 'console-software-failure' } },
  { line: 'L2 → L3 with a software failure on the console and notes: still the console is the reason',
    ask: fault(2, { consoleShowsSoftwareFailure: true, notes: 'reproduced' }), expected: { allowed: true, toLevel: 3, reason: 'console-software-failure' } },
  { line: 'L2 → L3 without a software failure but with notes: allowed on the notes',
    ask: fault(2, { notes: 'reproduced on the server; client and LAN ruled out' }), expected: { allowed: true, toLevel: 3, reason: 'notes' } },
  { line: 'L2 → L3 without a software failure and without notes: refused, naming the notes field',
    ask: fault(2), expected: { allowed: false, field: 'notes', message: NOTES_MESSAGE } },
  { line: 'L2 → L3 with blank notes counts as no notes',
    ask: fault(2, { notes: '  \n\t ' }), expected: { allowed: false, field: 'notes', message: NOTES_MESSAGE } },
  { line: 'L2 → L3 asked for explicitly goes through the same gate',
    ask: fault(2, { toLevel: 3 }), expected: { allowed: false, field: 'notes', message: NOTES_MESSAGE } },
  { line: 'L1 → L2 for a fault needs no notes (manual)',
    ask: fault(1), expected: { allowed: true, toLevel: 2, reason: 'manual' } },
  { line: 'L3 → L4 inside the vendor needs no notes (manual)',
    ask: fault(3), expected: { allowed: true, toLevel: 4, reason: 'manual' } },
  { line: 'a request from L2 to L3 passes without notes (request)',
    ask: { type: 'request', level: 2, consoleShowsSoftwareFailure: false }, expected: { allowed: true, toLevel: 3, reason: 'request' } },
  { line: 'a request from L1 to L2 passes (request)',
    ask: { type: 'request', level: 1, consoleShowsSoftwareFailure: false }, expected: { allowed: true, toLevel: 2, reason: 'request' } },
  { line: 'a fault at L4 has no level above: the target stays 4 for lifecycle.escalate to refuse',
    ask: fault(4), expected: { allowed: true, toLevel: 4, reason: 'manual' } },
  { line: 'a jump L1 → L3 is not the L2 → L3 gate; lifecycle.escalate refuses the jump itself',
    ask: fault(1, { toLevel: 3 }), expected: { allowed: true, toLevel: 3, reason: 'manual' } },
];

describe('escalationGate', () => {
  it.each(gateRows)('$line', ({ ask, expected }) => {
    expect(escalationGate(ask)).toEqual(expected);
  });
});

type Comp = [name: string, kind: ComponentKind, status: ComponentStatus];
const AT = '2026-11-25T10:00:00.000Z';
const server = (components: Comp[]): ServerState => ({
  id: 'srv-0001', name: 'acme-hq-01', customerId: 'acme', reachable: true, reachableSince: AT, observedAt: AT,
  components: Object.fromEntries(components.map(([name, kind, status]) => [name, { name, kind, status, since: AT, observedAt: AT }])),
});

describe('consoleShowsSoftwareFailure', () => {
  it.each([
    { line: 'a failed software component shows a software failure', server: server([['backup', 'software', 'failed'], ['disks', 'hardware', 'ok']]), expected: true },
    { line: 'any failed software component on the server counts, not only the incident’s', server: server([['disks', 'hardware', 'failed'], ['email', 'software', 'failed']]), expected: true },
    { line: 'a failed hardware component is not a software failure', server: server([['disks', 'hardware', 'failed']]), expected: false },
    { line: 'a degraded software component is not a failure', server: server([['backup', 'software', 'degraded']]), expected: false },
    { line: 'an unknown software component is not a failure', server: server([['backup', 'software', 'unknown']]), expected: false },
    { line: 'a server with every component ok shows none', server: server([['backup', 'software', 'ok']]), expected: false },
    { line: 'a server the console has never reported shows none', server: undefined, expected: false },
  ])('$line', ({ server: s, expected }) => {
    expect(consoleShowsSoftwareFailure(s)).toBe(expected);
  });
});

describe('nextLevel', () => {
  it.each([[1, 2], [2, 3], [3, 4], [4, 4]] as Array<[Level, Level]>)('after level %i comes %i', (level, expected) => {
    expect(nextLevel(level)).toBe(expected);
  });
});

describe('requestAuthority (request catalogue, DESIGN §1)', () => {
  interface Row { line: string; role: Role; level: Level; catalogueLevel: number | null; allowed: boolean; needed?: number }
  const rows: Row[] = [
    { line: 'l1 may action an L1 request held at L1', role: 'l1', level: 1, catalogueLevel: 1, allowed: true },
    { line: 'l1 may not action an L2 request (catalogue level 2)', role: 'l1', level: 2, catalogueLevel: 2, allowed: false, needed: 2 },
    { line: 'l2 may action an L2 request', role: 'l2', level: 2, catalogueLevel: 2, allowed: true },
    { line: 'l2 may action an L1 request escalated to L2', role: 'l2', level: 2, catalogueLevel: 1, allowed: true },
    { line: 'l1 may not action an L1 request once it has been escalated to L2', role: 'l1', level: 2, catalogueLevel: 1, allowed: false, needed: 2 },
    { line: 'l2 may not action an L3-only request', role: 'l2', level: 3, catalogueLevel: 3, allowed: false, needed: 3 },
    { line: 'the vendor (l3) may action an L3-only request', role: 'l3', level: 3, catalogueLevel: 3, allowed: true },
    { line: 'admin may action anything', role: 'admin', level: 3, catalogueLevel: 3, allowed: true },
    { line: 'a viewer may action nothing', role: 'viewer', level: 1, catalogueLevel: 1, allowed: false, needed: 1 },
    { line: 'a request type gone from the catalogue is held to the incident’s level', role: 'l2', level: 2, catalogueLevel: null, allowed: true },
    { line: 'a catalogue raised above the incident’s level since logging holds to the catalogue', role: 'l2', level: 2, catalogueLevel: 3, allowed: false, needed: 3 },
  ];

  it.each(rows)('$line', ({ role, level, catalogueLevel, allowed, needed }) => {
    const result = requestAuthority(role, { requestType: 'password-reset', level, catalogueLevel }, 'action');
    expect(result.allowed).toBe(allowed);
    if (!result.allowed) {
      expect(result.neededLevel).toBe(needed);
      expect(result.message).toBe(`request "password-reset" may only be actioned at level ${needed} or above`);
    }
  });

  it('says "escalated" when the refusal is of an escalation', () => {
    expect(requestAuthority('l1', { requestType: 'vpn', level: 2, catalogueLevel: 2 }, 'escalate')).toEqual({
      allowed: false, neededLevel: 2, message: 'request "vpn" may only be escalated at level 2 or above',
    });
  });
});
