// When the SLA scheduler next wakes an incident: the earliest of its SLA deadlines and its management
// action, from what is stored on the incident alone. One row per case.
import { describe, expect, it } from 'vitest';
import { buildCalendar, buildCalendars } from '../../src/domain/calendar.js';
import { createIncident } from '../../src/domain/incident.js';
import { acknowledgeStep, type ManagementPolicy } from '../../src/domain/management.js';
import { nextWake } from '../../src/domain/next-wake.js';
import { buildSlaPolicy, evaluate, onPaused, onResolved, startSla } from '../../src/domain/sla.js';
import { configSchema } from '../../src/config/schema.js';
import { slaSpec } from '../../src/config/to-domain.js';
import type { Incident, IncidentManagement } from '../../src/domain/types.js';

const hours = '09:00-17:30';
const business = buildCalendar('business', { timezone: 'Europe/London', hours: { mon: hours, tue: hours, wed: hours, thu: hours, fri: hours } });
const MANAGEMENT: ManagementPolicy = { calendar: business, stepWindow: { days: 1 }, attempts: 2 };
const config = configSchema.parse({});
const policy = buildSlaPolicy(slaSpec(config), buildCalendars(config.sla.calendars));
const T0 = new Date('2026-06-01T09:00:00Z'); // Monday 10:00 BST
const ctx = { policy, priority: 'P1' as const, level: 3 as const };

const base = createIncident({
  id: 'INC-000001', type: 'fault', title: 't', serverId: 'srv-0001', customerId: 'acme', component: 'backup', componentKind: 'software',
  source: 'poll', priority: 'P1', level: 3, reporter: null, symptoms: [], requestType: null, detectedAt: T0.toISOString(), actor: { kind: 'system', name: 'escalatord' },
}, T0);
const withSla = (sla: Incident['sla'], extra: Partial<Incident> = {}): Incident => ({ ...base, sla, ...extra });
const step2 = (at: string): IncidentManagement => ({ step: 2, history: [{ step: 2, at, reason: 'sla-breach', acknowledgedAt: null, attempts: 1 }] });
const allFired = evaluate(startSla(T0, ctx), new Date('2026-06-01T14:00:00Z')).sla; // response and resolution breached: no SLA deadline left

const rows: Array<{ line: string; incident: Incident; expected: string | null }> = [
  { line: 'fresh P1 clocks: the response warning comes first', incident: withSla(startSla(T0, ctx)), expected: '2026-06-01T09:22:30.000Z' },
  { line: 'no clocks yet: nothing to wake for', incident: withSla(null), expected: null },
  { line: 'a resolved incident: nothing', incident: withSla(onResolved(startSla(T0, ctx), T0), { status: 'resolved' }), expected: null },
  { line: 'clocks paused while awaiting the customer: nothing', incident: withSla(onPaused(startSla(T0, ctx), T0, ctx), { status: 'awaiting-customer' }), expected: null },
  { line: 'every deadline fired, management at step 2 unacknowledged: its first re-notification',
    incident: withSla(allFired, { management: step2('2026-06-01T14:00:00.000Z') }), expected: '2026-06-02T08:20:00.000Z' }, // a third of a working day after 15:00 BST
  { line: 'a management action earlier than the next SLA deadline wins',
    incident: withSla(startSla(new Date('2026-06-01T11:00:00Z'), ctx), { management: step2('2026-06-01T08:00:00.000Z') }), expected: '2026-06-01T10:50:00.000Z' },
  { line: 'an SLA deadline earlier than the next management action wins',
    incident: withSla(startSla(new Date('2026-06-01T11:00:00Z'), ctx), { management: step2('2026-06-01T09:00:00.000Z') }), expected: '2026-06-01T11:22:30.000Z' },
  { line: 'every deadline fired and management acknowledged at step 3: nothing',
    incident: withSla(allFired, { management: acknowledgeStep({ step: 3, history: [{ step: 3, at: T0.toISOString(), reason: 'unacknowledged', acknowledgedAt: null, attempts: 1 }] }, 3, 'vp', T0) }),
    expected: null },
];

describe('nextWake', () => {
  it.each(rows)('$line', ({ incident, expected }) => {
    expect(nextWake(incident, MANAGEMENT)?.toISOString() ?? null).toBe(expected);
  });
});
