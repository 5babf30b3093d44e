import { describe, expect, it } from 'vitest';
import { buildCalendar } from '../../src/domain/calendar.js';
import {
  acknowledgeStep, applyManagementAction, complaintRefusal, dueManagementActions, escalateManagement, initialManagement, managementAfterSla, managementAfterTransition, managementTarget,
  nextManagementAction, recordProgress, type ManagementPolicy, type ManagementReason,
} from '../../src/domain/management.js';
import type { IncidentManagement } from '../../src/domain/types.js';

const hours = '09:00-17:30';
const business = buildCalendar('business', { timezone: 'Europe/London', hours: { mon: hours, tue: hours, wed: hours, thu: hours, fri: hours }, holidays: [] });
const policy: ManagementPolicy = { calendar: business, stepWindow: { days: 1 }, attempts: 2 };
const at = (iso: string) => new Date(iso);
const MONDAY_10 = at('2026-06-01T09:00:00Z'); // Monday 10:00 BST

/** An incident escalated straight to `step` at `when` (the path to get there is not under test here). */
function atStep(step: number, when = MONDAY_10): IncidentManagement {
  return { step, history: [{ step, at: when.toISOString(), reason: 'sla-breach', acknowledgedAt: null, attempts: 1 }] };
}
const describeAction = (a: ReturnType<typeof nextManagementAction>) =>
  a && `${a.action} step ${a.step}${a.toStep ? ` -> ${a.toStep} (${a.reason})` : ` #${a.attempt}`} @ ${a.at.toISOString()}`;

describe('step transitions', () => {
  it.each([
    [1, 'sla-breach', 2], [1, 'complaint', 2], [1, 'no-progress', null], [1, 'unacknowledged', null],
    [2, 'sla-breach', null], [2, 'complaint', 3], [2, 'no-progress', 3], [2, 'unacknowledged', 3],
    [3, 'sla-breach', null], [3, 'complaint', 4], [3, 'no-progress', null], [3, 'unacknowledged', 4],
    [4, 'sla-breach', null], [4, 'complaint', null], [4, 'no-progress', null], [4, 'unacknowledged', null],
  ] as const)('from step %i, %s leads to step %s', (step, reason, expected) => {
    const mgmt = step === 1 ? initialManagement() : atStep(step);
    expect(managementTarget(mgmt, reason as ManagementReason)).toBe(expected);
    const after = escalateManagement(mgmt, reason as ManagementReason, at('2026-06-01T12:00:00Z'));
    if (expected === null) {
      expect(after).toBe(mgmt);
    } else {
      expect(after.step).toBe(expected);
      expect(after.history.at(-1)).toEqual({ step: expected, at: '2026-06-01T12:00:00.000Z', reason, acknowledgedAt: null, attempts: 1 });
    }
  });

  it('keeps step 4 terminal whatever happens', () => {
    const final = atStep(4);
    for (const reason of ['sla-breach', 'complaint', 'no-progress', 'unacknowledged'] as const) {
      expect(escalateManagement(final, reason, at('2026-06-09T09:00:00Z'))).toBe(final);
    }
    const exhausted = { ...final, history: [{ ...final.history[0], attempts: 3 }] };
    expect(nextManagementAction(exhausted, null, policy)).toBeNull();
    expect(dueManagementActions(exhausted, null, policy, at('2026-07-01T00:00:00Z'))).toEqual([]);
  });
});

describe('acknowledgement and progress', () => {
  it('records who acknowledged a step, once', () => {
    const acked = acknowledgeStep(atStep(2), 2, 'head-of-support', at('2026-06-01T10:00:00Z'));
    expect(acked.history[0]).toMatchObject({ acknowledgedAt: '2026-06-01T10:00:00.000Z', acknowledgedBy: 'head-of-support' });
    expect(acknowledgeStep(acked, 2, 'someone-else', at('2026-06-01T11:00:00Z'))).toBe(acked);
    expect(acknowledgeStep(acked, 3, 'vp', at('2026-06-01T11:00:00Z'))).toBe(acked);
  });

  it('treats progress from a management contact as acknowledgement, and ignores it at step 1', () => {
    expect(recordProgress(atStep(3), 'vp', at('2026-06-01T10:00:00Z')).history[0].acknowledgedAt).toBe('2026-06-01T10:00:00.000Z');
    const start = initialManagement();
    expect(recordProgress(start, 'support', at('2026-06-01T10:00:00Z'))).toBe(start);
  });
});

describe('nextManagementAction', () => {
  it.each([
    ['step 1 has nothing scheduled', initialManagement(), null, null],
    ['an unacknowledged step 2 is re-notified a third of a working day later', atStep(2), null, 'renotify step 2 #2 @ 2026-06-01T11:50:00.000Z'],
    ['then again at two thirds', { step: 2, history: [{ ...atStep(2).history[0], attempts: 2 }] }, null, 'renotify step 2 #3 @ 2026-06-01T14:40:00.000Z'],
    ['then escalated to step 3 one working day after it began', { step: 2, history: [{ ...atStep(2).history[0], attempts: 3 }] }, null,
      'escalate step 2 -> 3 (unacknowledged) @ 2026-06-02T09:00:00.000Z'],
    ['an acknowledged step 2 without progress goes to step 3 one working day after it began', acknowledgeStep(atStep(2), 2, 'hos', at('2026-06-01T09:30:00Z')), null,
      'escalate step 2 -> 3 (no-progress) @ 2026-06-02T09:00:00.000Z'],
    ['progress at step 2 restarts its working day', acknowledgeStep(atStep(2), 2, 'hos', at('2026-06-01T09:30:00Z')), at('2026-06-01T15:00:00Z'),
      'escalate step 2 -> 3 (no-progress) @ 2026-06-02T15:00:00.000Z'],
    ['progress from before step 2 began does not extend it', acknowledgeStep(atStep(2), 2, 'hos', at('2026-06-01T09:30:00Z')), at('2026-05-29T15:00:00Z'),
      'escalate step 2 -> 3 (no-progress) @ 2026-06-02T09:00:00.000Z'],
    ['an unacknowledged step 3 goes to step 4 after its re-notifications', { step: 3, history: [{ ...atStep(3).history[0], attempts: 3 }] }, null,
      'escalate step 3 -> 4 (unacknowledged) @ 2026-06-02T09:00:00.000Z'],
    ['an acknowledged step 3 has nothing scheduled', acknowledgeStep(atStep(3), 3, 'vp', at('2026-06-01T10:00:00Z')), null, null],
    ['step 4 is still re-notified while unacknowledged', atStep(4), null, 'renotify step 4 #2 @ 2026-06-01T11:50:00.000Z'],
    ['re-notifications are spread over working time, across the weekend', atStep(3, at('2026-06-05T15:00:00Z')), null, 'renotify step 3 #2 @ 2026-06-08T09:20:00.000Z'],
  ] as const)('%s', (_name, mgmt, lastProgressAt, expected) => {
    expect(describeAction(nextManagementAction(mgmt as IncidentManagement, lastProgressAt, policy))).toBe(expected);
  });

  it('uses the configured number of re-notifications', () => {
    const once = { ...policy, attempts: 1 };
    expect(describeAction(nextManagementAction(atStep(3), null, once))).toBe('renotify step 3 #2 @ 2026-06-01T13:15:00.000Z');
    const sent = applyManagementAction(atStep(3), nextManagementAction(atStep(3), null, once)!, at('2026-06-01T12:15:00Z'));
    expect(describeAction(nextManagementAction(sent, null, once))).toBe('escalate step 3 -> 4 (unacknowledged) @ 2026-06-02T09:00:00.000Z');
  });
});

describe('catching up', () => {
  it('collapses missed re-notifications into one carrying the latest attempt', () => {
    const due = dueManagementActions(atStep(2), null, policy, at('2026-06-01T15:00:00Z'));
    expect(due.map(describeAction)).toEqual(['renotify step 2 #3 @ 2026-06-01T14:40:00.000Z']);
    const after = applyManagementAction(atStep(2), due[0], at('2026-06-01T15:00:00Z'));
    expect(after.history[0].attempts).toBe(3);
    expect(dueManagementActions(after, null, policy, at('2026-06-01T15:00:00Z'))).toEqual([]);
  });

  it('lets a missed escalation supersede the re-notifications, and starts the next step when it is applied', () => {
    const now = at('2026-06-03T12:00:00Z');
    const due = dueManagementActions(atStep(2), null, policy, now);
    expect(due.map(describeAction)).toEqual(['escalate step 2 -> 3 (unacknowledged) @ 2026-06-02T09:00:00.000Z']);
    const after = applyManagementAction(atStep(2), due[0], now);
    expect(after.step).toBe(3);
    expect(after.history.at(-1)?.at).toBe(now.toISOString());
    expect(dueManagementActions(after, null, policy, now)).toEqual([]);
  });

  it('returns nothing before the first action is due', () => {
    expect(dueManagementActions(atStep(2), null, policy, at('2026-06-01T11:49:59Z'))).toEqual([]);
  });

  it('ignores an action scheduled for a step the incident has already left', () => {
    const stale = nextManagementAction({ step: 2, history: [{ ...atStep(2).history[0], attempts: 3 }] }, null, policy)!;
    const moved = escalateManagement(atStep(2), 'complaint', at('2026-06-01T12:00:00Z'));
    expect(applyManagementAction(moved, stale, at('2026-06-02T09:00:00Z'))).toBe(moved);
  });
});

describe('managementAfterTransition', () => {
  const now = at('2026-06-01T10:00:00Z');
  it.each([
    ['progress at step 2 counts as the Head of Support acknowledging', 'progress', atStep(2), '2026-06-01T10:00:00.000Z'],
    ['progress at step 1 changes nothing', 'progress', initialManagement(), undefined],
    ['an acknowledgement of the incident is not a management acknowledgement', 'acknowledged', atStep(2), null],
    ['a status change does not move the path', 'status', atStep(3), null],
    ['an escalation between support levels does not move the path', 'escalated', atStep(2), null],
  ] as const)('%s', (_line, kind, mgmt, acknowledgedAt) => {
    const after = managementAfterTransition(mgmt, { kind }, 'hos', now);
    if (acknowledgedAt === undefined) expect(after).toBe(mgmt);
    else expect(after.history[0].acknowledgedAt).toBe(acknowledgedAt);
  });
});

describe('managementAfterSla: a breach engages management once, a warning never', () => {
  const now = at('2026-11-25T10:00:00Z');
  const atStep = (step: number): IncidentManagement => ({ step, history: step > 1 ? [{ step, at: '2026-11-25T09:00:00.000Z', reason: 'complaint', acknowledgedAt: null, attempts: 1 }] : [] });
  const rows: Array<[line: string, step: number, fired: 'warning' | 'breach', expectedStep: number]> = [
    ['a breach with only the support team engaged: the Head of Support (step 2)', 1, 'breach', 2],
    ['a warning moves nothing', 1, 'warning', 1],
    ['a breach with management engaged: its own windows move it on, not the breach', 2, 'breach', 2],
    ['a breach at the last step: nothing', 4, 'breach', 4],
  ];
  it.each(rows)('%s', (_line, step, fired, expectedStep) => {
    const before = atStep(step);
    const after = managementAfterSla(before, fired, now);
    expect(after.step).toBe(expectedStep);
    if (expectedStep === step) expect(after).toBe(before);
    else expect(after.history.at(-1)).toEqual({ step: expectedStep, at: now.toISOString(), reason: 'sla-breach', acknowledgedAt: null, attempts: 1 });
  });
});

describe('complaintRefusal', () => {
  const rows: Array<[line: string, status: 'open' | 'in-progress' | 'resolved', step: number, expected: string | null]> = [
    ['an open incident at the support team: the complaint goes to step 2', 'open', 1, null],
    ['in progress at step 3: on to step 4', 'in-progress', 3, null],
    ['at the last step: nowhere to go', 'in-progress', 4, 'is already at the last management step'],
    ['a resolved incident takes no complaint', 'resolved', 1, 'is resolved'],
  ];
  it.each(rows)('%s', (_line, status, step, expected) => {
    expect(complaintRefusal({ status, management: { step, history: [] } })).toBe(expected);
  });
});
