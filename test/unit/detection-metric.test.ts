// What escalatord_detection_to_ticket_seconds observes: the no-human path of DESIGN §5 only — monitoring
// detects a failed software component and its ticket follows. One row per case.
import { describe, expect, it } from 'vitest';
import { detectionToTicketSeconds } from '../../src/domain/detection-metric.js';
import { addNote, createIncident, escalate } from '../../src/domain/incident.js';
import type { Actor, ComponentKind, Incident, IncidentSource, Level } from '../../src/domain/types.js';

const CREATED = new Date('2026-11-25T10:00:00.000Z');
const TICKET_AT = new Date('2026-11-25T10:00:00.420Z');
const MONITOR: Actor = { kind: 'system', name: 'escalatord' };
const L2: Actor = { kind: 'user', name: 'l2-desk', role: 'l2' };

function incident(source: IncidentSource, kind: ComponentKind | null, level: Level): Incident {
  return createIncident({
    id: 'INC-000001', type: 'fault', title: 't', serverId: 'srv-0001', customerId: 'acme', component: kind ? 'backup' : null, componentKind: kind,
    source, priority: 'P2', level, reporter: null, symptoms: [], requestType: null, detectedAt: CREATED.toISOString(),
    actor: source === 'manual' ? L2 : MONITOR,
  }, CREATED);
}

interface Row { line: string; incident: Incident; ticketAt: Date; creation: 'first' | 'retry'; expected: number | null }
const rows: Row[] = [
  { line: 'a software failure detected by polling, first ticket: observed', incident: incident('poll', 'software', 3), ticketAt: TICKET_AT, creation: 'first', expected: 0.42 },
  { line: 'a software failure from a console webhook: observed', incident: incident('console', 'software', 3), ticketAt: TICKET_AT, creation: 'first', expected: 0.42 },
  { line: 'a software failure from Alertmanager: observed', incident: incident('alertmanager', 'software', 3), ticketAt: TICKET_AT, creation: 'first', expected: 0.42 },
  { line: 'a ticket stamped before the incident (clock step) counts as zero, never negative', incident: incident('poll', 'software', 3),
    ticketAt: new Date('2026-11-25T09:59:59.000Z'), creation: 'first', expected: 0 },
  { line: 'a degraded software component that L2 escalated to L3 (a manual escalation): not observed',
    incident: escalate(incident('poll', 'software', 2), 3, L2, new Date('2026-11-25T10:00:30Z'), 'notes', 'reproduced'),
    ticketAt: new Date('2026-11-25T10:00:57Z'), creation: 'first', expected: null },
  { line: 'a hardware incident escalated to L3: not observed', incident: escalate(incident('poll', 'hardware', 2), 3, L2, CREATED, 'notes', 'disk'),
    ticketAt: TICKET_AT, creation: 'first', expected: null },
  { line: 'an unreachable server escalated to L3 (no component): not observed', incident: escalate(incident('poll', null, 2), 3, L2, CREATED, 'notes', 'server side'),
    ticketAt: TICKET_AT, creation: 'first', expected: null },
  { line: 'a fault logged by L1 on a software component: not observed', incident: incident('manual', 'software', 3), ticketAt: TICKET_AT, creation: 'first', expected: null },
  { line: 'a ticket created again after a failed creation: not observed', incident: incident('poll', 'software', 3), ticketAt: TICKET_AT, creation: 'retry', expected: null },
  { line: 'daemon notes on the timeline (diagnostics, ticket failure) do not make it manual',
    incident: addNote(incident('poll', 'software', 3), MONITOR, CREATED, 'diagnostics'), ticketAt: TICKET_AT, creation: 'first', expected: 0.42 },
];

describe('detectionToTicketSeconds', () => {
  it.each(rows)('$line', ({ incident: i, ticketAt, creation, expected }) => {
    expect(detectionToTicketSeconds(i, ticketAt, creation)).toBe(expected);
  });
});
