// What a vendor ticket event does to the incident it names, one row per status × event that matters:
// the vendor's system repeats itself, and a repeat changes nothing instead of failing the delivery.
import { describe, expect, it } from 'vitest';
import { vendorEventEffect, type VendorEffect } from '../../src/domain/vendor-event-effect.js';
import type { IncidentStatus } from '../../src/domain/types.js';
import type { VendorEventKind } from '../../src/domain/vendor-events.js';

interface Row { line: string; status: IncidentStatus; event: VendorEventKind; expected: VendorEffect }
const rows: Row[] = [
  { line: 'the vendor takes an open incident: acknowledged', status: 'open', event: 'acknowledged', expected: { effect: 'acknowledge' } },
  { line: 'the vendor says "in progress" again: nothing changes', status: 'in-progress', event: 'acknowledged', expected: { effect: 'nothing', why: 'already in-progress' } },
  { line: 'an acknowledgement of an acknowledged incident: nothing', status: 'acknowledged', event: 'acknowledged', expected: { effect: 'nothing', why: 'already acknowledged' } },
  { line: 'progress on an open incident acknowledges it first', status: 'open', event: 'progress', expected: { effect: 'progress', acknowledgeFirst: true } },
  { line: 'progress on an acknowledged incident', status: 'acknowledged', event: 'progress', expected: { effect: 'progress', acknowledgeFirst: false } },
  { line: 'progress while awaiting the customer puts it back in progress', status: 'awaiting-customer', event: 'progress', expected: { effect: 'progress', acknowledgeFirst: false } },
  { line: 'waiting for the customer on an open incident acknowledges it first', status: 'open', event: 'awaiting-customer', expected: { effect: 'await-customer', acknowledgeFirst: true } },
  { line: 'waiting for the customer while in progress', status: 'in-progress', event: 'awaiting-customer', expected: { effect: 'await-customer', acknowledgeFirst: false } },
  { line: 'waiting for the customer again: nothing', status: 'awaiting-customer', event: 'awaiting-customer', expected: { effect: 'nothing', why: 'already awaiting the customer' } },
  { line: 'the vendor resolves an open incident', status: 'open', event: 'resolved', expected: { effect: 'resolve' } },
  { line: 'the vendor resolves one in progress', status: 'in-progress', event: 'resolved', expected: { effect: 'resolve' } },
  { line: 'a resolve of a resolved incident (a repeat, or escalatord resolved it first): nothing', status: 'resolved', event: 'resolved', expected: { effect: 'nothing', why: 'already resolved' } },
  { line: 'progress on a resolved incident: a conflict', status: 'resolved', event: 'progress', expected: { effect: 'conflict', message: 'is already resolved' } },
  { line: 'an acknowledgement of a resolved incident: a conflict', status: 'resolved', event: 'acknowledged', expected: { effect: 'conflict', message: 'is already resolved' } },
  { line: 'waiting for the customer on a resolved incident: a conflict', status: 'resolved', event: 'awaiting-customer', expected: { effect: 'conflict', message: 'is already resolved' } },
];

describe('vendorEventEffect', () => {
  it.each(rows)('$line', ({ status, event, expected }) => {
    expect(vendorEventEffect(status, event)).toEqual(expected);
  });
});
