// What a ticket event from the vendor's system does to the incident it names (DESIGN §4): Jira, ServiceNow
// and the generic callback all arrive as a VendorEvent. The vendor's system repeats itself — a status it
// re-sends, a resolve of what is resolved — and those change nothing rather than fail the delivery.
import { acknowledgedOnTheWay } from './incident.js';
import type { IncidentStatus } from './types.js';
import type { VendorEventKind } from './vendor-events.js';

export type VendorEffect =
  | { effect: 'acknowledge' }
  /** `acknowledgeFirst`: the incident was still open, and whoever reports progress has it. */
  | { effect: 'progress'; acknowledgeFirst: boolean }
  | { effect: 'await-customer'; acknowledgeFirst: boolean }
  | { effect: 'resolve' }
  /** Already so: 2xx, no change. */
  | { effect: 'nothing'; why: string }
  /** Cannot apply to the incident as it is: a 409 (`message` follows the incident's id). */
  | { effect: 'conflict'; message: string };

export function vendorEventEffect(status: IncidentStatus, event: VendorEventKind): VendorEffect {
  if (status === 'resolved') {
    return event === 'resolved'
      ? { effect: 'nothing', why: 'already resolved' }
      : { effect: 'conflict', message: 'is already resolved' };
  }
  switch (event) {
    case 'acknowledged':
      return status === 'open' ? { effect: 'acknowledge' } : { effect: 'nothing', why: `already ${status}` };
    case 'progress':
      return { effect: 'progress', acknowledgeFirst: acknowledgedOnTheWay(status, 'in-progress') };
    case 'awaiting-customer':
      return status === 'awaiting-customer'
        ? { effect: 'nothing', why: 'already awaiting the customer' }
        : { effect: 'await-customer', acknowledgeFirst: acknowledgedOnTheWay(status, 'awaiting-customer') };
    case 'resolved':
      return { effect: 'resolve' };
  }
}
