// How L1 logs faults and requests (DESIGN §1): who may report, which level and priority a logged
// incident starts at, and which open incident a repeated fault report joins. One row per case.
import { describe, expect, it } from 'vitest';
import {
  defaultIntakePriority, intakeLevel, intakeProblems, intakeTitle, isAuthorisedReporter, linkTarget, type IntakeFacts, type IntakeReport,
} from '../../src/domain/intake.js';
import type { Incident, IncidentType, Level } from '../../src/domain/types.js';

describe('isAuthorisedReporter', () => {
  const contacts = [{ name: 'Ann Admin', email: 'ann@acme.example' }, { name: 'Bob Boss', email: 'Bob.Boss@Acme.example' }];
  it.each([
    { line: 'a listed contact may report', email: 'ann@acme.example', expected: true },
    { line: 'the address compares case-insensitively', email: 'ANN@ACME.EXAMPLE', expected: true },
    { line: 'a listed address with capitals matches in lower case', email: 'bob.boss@acme.example', expected: true },
    { line: 'surrounding blanks do not matter', email: ' ann@acme.example ', expected: true },
    { line: 'a stranger may not', email: 'mallory@evil.example', expected: false },
    { line: 'a near miss may not', email: 'ann@acme.example.evil', expected: false },
  ])('$line', ({ email, expected }) => {
    expect(isAuthorisedReporter(contacts, email)).toBe(expected);
  });

  it('refuses everyone for a customer without authorised contacts', () => {
    expect(isAuthorisedReporter([], 'ann@acme.example')).toBe(false);
  });
});

describe('intakeLevel and defaultIntakePriority', () => {
  it.each([
    { line: 'a fault starts at L1, P3', type: 'fault', catalogue: null, level: 1, priority: 'P3' },
    { line: 'an L1 request starts at L1, P4', type: 'request', catalogue: 1, level: 1, priority: 'P4' },
    { line: 'an L2 request goes to L2', type: 'request', catalogue: 2, level: 2, priority: 'P4' },
    { line: 'an L3-only request goes to the vendor at L3', type: 'request', catalogue: 3, level: 3, priority: 'P4' },
  ] as Array<{ line: string; type: IncidentType; catalogue: Level | null; level: Level; priority: string }>)('$line', ({ type, catalogue, level, priority }) => {
    expect(intakeLevel(type, catalogue)).toBe(level);
    expect(defaultIntakePriority(type)).toBe(priority);
  });
});

describe('linkTarget', () => {
  type Open = Pick<Incident, 'id' | 'type' | 'serverId' | 'status' | 'createdAt'>;
  const open = (id: string, serverId: string, createdAt: string, type: IncidentType = 'fault', status: Incident['status'] = 'open'): Open => ({ id, type, serverId, status, createdAt });
  const older = open('INC-000001', 'srv-0001', '2026-11-25T09:00:00.000Z');
  const newer = open('INC-000002', 'srv-0001', '2026-11-25T10:00:00.000Z', 'fault', 'in-progress');
  const request = open('INC-000003', 'srv-0001', '2026-11-25T11:00:00.000Z', 'request');
  const elsewhere = open('INC-000004', 'srv-0002', '2026-11-25T12:00:00.000Z');
  const done = open('INC-000005', 'srv-0001', '2026-11-25T13:00:00.000Z', 'fault', 'resolved');

  it.each([
    { line: 'a fault on a server with an open fault joins the newest one', report: { type: 'fault', serverId: 'srv-0001' }, open: [older, newer, request, elsewhere, done], expected: 'INC-000002' },
    { line: 'a fault on a server with no open fault opens a new incident', report: { type: 'fault', serverId: 'srv-0003' }, open: [older, elsewhere], expected: null },
    { line: 'an open request on the server is not a fault to join', report: { type: 'fault', serverId: 'srv-0001' }, open: [request], expected: null },
    { line: 'a resolved fault is not joined', report: { type: 'fault', serverId: 'srv-0001' }, open: [done], expected: null },
    { line: 'L1 may ask for a new incident even when one is open', report: { type: 'fault', serverId: 'srv-0001', newIncident: true }, open: [older], expected: null },
    { line: 'a request never joins an open incident', report: { type: 'request', serverId: 'srv-0001' }, open: [older], expected: null },
  ] as Array<{ line: string; report: { type: IncidentType; serverId: string; newIncident?: boolean }; open: Open[]; expected: string | null }>)('$line', ({ report, open: list, expected }) => {
    expect(linkTarget(report, list)?.id ?? null).toBe(expected);
  });
});

describe('intakeProblems: every problem of a report at once, each naming its field', () => {
  const acme = { id: 'acme' };
  const srv = { customerId: 'acme', components: { backup: {}, disks: {} } };
  const facts = (over: Partial<IntakeFacts> = {}): IntakeFacts => ({ customer: acme, requestTypes: ['password-reset', 'new-user'], server: srv, configuredServer: false, ...over });
  const fault = (over: Partial<IntakeReport> = {}): IntakeReport => ({ type: 'fault', customerId: 'acme', serverId: 'srv-0001', symptoms: ['backup failed'], ...over });
  const rows: Array<{ line: string; report: IntakeReport; facts: IntakeFacts; fields: string[] }> = [
    { line: 'a fault with symptoms on a known server of the customer', report: fault(), facts: facts(), fields: [] },
    { line: 'a server only the configuration lists (no console has reported it yet)', report: fault(), facts: facts({ server: undefined, configuredServer: true }), fields: [] },
    { line: 'an unknown customer', report: fault({ customerId: 'nope' }), facts: facts({ customer: undefined }), fields: ['customerId'] },
    { line: 'a fault without symptoms', report: fault({ symptoms: [] }), facts: facts(), fields: ['symptoms'] },
    { line: 'a server nobody knows (or its display name)', report: fault({ serverId: 'acme-hq-01' }), facts: facts({ server: undefined }), fields: ['serverId'] },
    { line: 'another customer\'s server', report: fault(), facts: facts({ server: { customerId: 'globex', components: {} } }), fields: ['serverId'] },
    { line: 'a component the server does not have', report: fault({ component: 'antivirus' }), facts: facts(), fields: ['component'] },
    { line: 'a component named like an Object.prototype member', report: fault({ component: 'constructor' }), facts: facts(), fields: ['component'] },
    { line: 'a request type the catalogue lacks', report: { type: 'request', customerId: 'acme', serverId: 'srv-0001', requestType: 'coffee' }, facts: facts(), fields: ['requestType'] },
    { line: 'a request needs no symptoms', report: { type: 'request', customerId: 'acme', serverId: 'srv-0001', requestType: 'new-user' }, facts: facts(), fields: [] },
    { line: 'four mistakes, four problems', report: fault({ customerId: 'nope', symptoms: [], serverId: 'x' }), facts: facts({ customer: undefined, server: undefined }), fields: ['customerId', 'symptoms', 'serverId'] },
  ];
  it.each(rows)('$line', ({ report, facts: f, fields }) => {
    expect(intakeProblems(report, f).map((p) => p.field)).toEqual(fields);
  });
});

describe('intakeTitle', () => {
  it.each([
    [{ type: 'fault' as const, title: 'Mail down', symptoms: ['x'] }, 'Mail down'],
    [{ type: 'fault' as const, symptoms: ['backup failed', 'disk full'] }, 'backup failed'],
    [{ type: 'fault' as const }, 'reported fault'],
    [{ type: 'request' as const, requestType: 'new-user' }, 'new-user for Acme Ltd'],
  ])('%o → %s', (report, expected) => {
    expect(intakeTitle(report, 'Acme Ltd')).toBe(expected);
  });
});
