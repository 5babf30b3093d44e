// Whether and when an incident has a vendor ticket (DESIGN §5, §6): one rule for the monitoring path, L1
// logging and escalation, one row per case. Then what happens to a comment (or resolve) while the ticket
// is pending or failed: it waits instead of being dead-lettered.
import { describe, expect, it } from 'vitest';
import {
  commentDisposition, heldByVendor, resolveDisposition, ticketAction, ticketRetry, type CommentDisposition, type TicketAction, type TicketMoment,
} from '../../src/domain/ticket-policy.js';
import type { IncidentSource, IncidentStatus, Level, TicketRef } from '../../src/domain/types.js';

const ticket = (state: TicketRef['state'], id: string | null = state === 'created' || state === 'resolved' ? 'T-1' : null): TicketRef =>
  ({ adapter: 'generic', id, url: id ? `http://tickets.example/${id}` : null, state });

describe('ticketAction', () => {
  interface Row { line: string; level: Level; ticket: TicketRef | null; source: IncidentSource; moment: TicketMoment; expected: TicketAction }
  const rows: Row[] = [
    // monitoring (routing opens software failures at L3, everything else at L2)
    { line: 'monitoring opens a software failure at L3: create the ticket with no human step', level: 3, ticket: null, source: 'poll', moment: 'opened',
      expected: { action: 'create-ticket', refreshDiagnostics: false } },
    { line: 'monitoring opens a hardware, unreachable or degraded incident at L2: no ticket, diagnostics fetched', level: 2, ticket: null, source: 'console', moment: 'opened',
      expected: { action: 'none', fetchDiagnostics: true } },
    // L1 logging
    { line: 'L1 logs a fault at L1: no ticket, and no diagnostics until someone escalates it', level: 1, ticket: null, source: 'manual', moment: 'opened',
      expected: { action: 'none', fetchDiagnostics: false } },
    { line: 'L1 logs an L2 request: no ticket', level: 2, ticket: null, source: 'manual', moment: 'opened', expected: { action: 'none', fetchDiagnostics: false } },
    { line: 'L1 logs an L3-only request, which goes to L3: create the ticket', level: 3, ticket: null, source: 'manual', moment: 'opened',
      expected: { action: 'create-ticket', refreshDiagnostics: false } },
    // escalation
    { line: 'L2 escalates to L3 an incident without a ticket: create it, with fresh diagnostics', level: 3, ticket: null, source: 'poll', moment: 'escalated',
      expected: { action: 'create-ticket', refreshDiagnostics: true } },
    { line: 'L2 escalates a logged fault to L3: create the ticket, with fresh diagnostics', level: 3, ticket: null, source: 'manual', moment: 'escalated',
      expected: { action: 'create-ticket', refreshDiagnostics: true } },
    { line: 'escalation to L3 after a failed creation: create it again', level: 3, ticket: ticket('failed'), source: 'poll', moment: 'escalated',
      expected: { action: 'retry-failed-creation', refreshDiagnostics: true } },
    { line: 'escalation to L4 after a failed creation: create it again', level: 4, ticket: ticket('failed'), source: 'poll', moment: 'escalated',
      expected: { action: 'retry-failed-creation', refreshDiagnostics: true } },
    { line: 'escalation to L4 of an incident with a ticket: comment on it, with fresh diagnostics', level: 4, ticket: ticket('created'), source: 'poll', moment: 'escalated',
      expected: { action: 'comment-on-existing-ticket', fetchDiagnostics: true } },
    { line: 'escalation while the creation is still pending: comment (the comment waits for the ticket)', level: 4, ticket: ticket('pending'), source: 'poll', moment: 'escalated',
      expected: { action: 'comment-on-existing-ticket', fetchDiagnostics: true } },
    { line: 'escalation to L4 of an incident with no ticket at all: create one', level: 4, ticket: null, source: 'manual', moment: 'escalated',
      expected: { action: 'create-ticket', refreshDiagnostics: true } },
    { line: 'L1 escalates a logged fault to L2: no ticket, fresh diagnostics', level: 2, ticket: null, source: 'manual', moment: 'escalated', expected: { action: 'none', fetchDiagnostics: true } },
  ];

  it.each(rows)('$line', ({ level, ticket: t, source, moment, expected }) => {
    expect(ticketAction({ level, ticket: t, source }, moment)).toEqual(expected);
  });

  it.each([[1, false], [2, false], [3, true], [4, true]] as Array<[Level, boolean]>)('level %i is held by the vendor: %s', (level, expected) => {
    expect(heldByVendor(level)).toBe(expected);
  });
});

describe('commentDisposition', () => {
  interface Row { line: string; ticket: TicketRef | null; status: IncidentStatus; expected: CommentDisposition }
  const rows: Row[] = [
    { line: 'a created ticket takes the comment now', ticket: ticket('created'), status: 'open', expected: 'send' },
    { line: 'a created ticket takes the resolution of a resolved incident', ticket: ticket('created'), status: 'resolved', expected: 'send' },
    { line: 'a ticket the vendor resolved still takes comments', ticket: ticket('resolved'), status: 'resolved', expected: 'send' },
    { line: 'a pending creation: the comment waits for the ticket', ticket: ticket('pending'), status: 'open', expected: 'wait' },
    { line: 'a pending creation of an incident already resolved: the resolve waits, then closes the new ticket', ticket: ticket('pending'), status: 'resolved', expected: 'wait' },
    { line: 'a failed creation: the comment waits for the retry, never dead-lettered', ticket: ticket('failed'), status: 'acknowledged', expected: 'wait' },
    { line: 'a failed creation while awaiting the customer: still waits', ticket: ticket('failed'), status: 'awaiting-customer', expected: 'wait' },
    { line: 'a failed creation of a resolved incident will never be retried: dropped', ticket: ticket('failed'), status: 'resolved', expected: 'drop' },
    { line: 'no ticket at all: nothing to comment on', ticket: null, status: 'open', expected: 'drop' },
  ];

  it.each(rows)('$line', ({ ticket: t, status, expected }) => {
    expect(commentDisposition(t, status)).toBe(expected);
  });
});

describe('ticketRetry', () => {
  it.each([
    { line: 'a failed creation on an open incident can be retried', status: 'open' as const, ticket: ticket('failed'), allowed: true, message: undefined },
    { line: 'a ticket being created cannot be retried', status: 'open' as const, ticket: ticket('pending'), allowed: false, message: 'the ticket of incident INC-000001 is pending, not failed' },
    { line: 'a created ticket cannot be retried', status: 'acknowledged' as const, ticket: ticket('created'), allowed: false, message: 'the ticket of incident INC-000001 is created, not failed' },
    { line: 'an incident without a ticket has nothing to retry', status: 'open' as const, ticket: null, allowed: false, message: 'incident INC-000001 has no vendor ticket to retry' },
    { line: 'a resolved incident’s failed ticket is not retried', status: 'resolved' as const, ticket: ticket('failed'), allowed: false, message: 'incident INC-000001 is resolved; its ticket is not retried' },
  ])('$line', ({ status, ticket: t, allowed, message }) => {
    expect(ticketRetry({ id: 'INC-000001', status, ticket: t })).toEqual(allowed ? { allowed } : { allowed, message });
  });
});

describe('a ticket state this rule does not know (e.g. a ticket the vendor’s system lost)', () => {
  const lost = { adapter: 'generic', id: 'T-9', url: null, state: 'missing' } as unknown as TicketRef;

  it('is created again on the next escalation', () => {
    expect(ticketAction({ level: 3, ticket: lost, source: 'poll' }, 'escalated')).toEqual({ action: 'retry-failed-creation', refreshDiagnostics: true });
  });

  it('takes no comments', () => {
    expect(commentDisposition(lost, 'open')).toBe('drop');
  });
});

describe('retrying a lost ticket', () => {
  it('is allowed like a failed one', () => {
    const lost = { adapter: 'generic', id: 'T-9', url: null, state: 'missing' } as unknown as TicketRef;
    expect(ticketRetry({ id: 'INC-000001', status: 'open', ticket: lost })).toEqual({ allowed: true });
  });
});

describe('resolveDisposition', () => {
  const rows: Array<{ line: string; by: 'user' | 'system' | 'vendor'; ticket: TicketRef | null; expected: CommentDisposition }> = [
    { line: 'a person resolves: the ticket is told', by: 'user', ticket: ticket('created'), expected: 'send' },
    { line: 'escalatord resolves (auto-resolve): the ticket is told', by: 'system', ticket: ticket('created'), expected: 'send' },
    { line: 'the vendor resolved it in its own system: telling it back would be an echo', by: 'vendor', ticket: ticket('created'), expected: 'drop' },
    { line: 'a person resolves while the creation is pending: the resolve waits for the ticket', by: 'user', ticket: ticket('pending'), expected: 'wait' },
    { line: 'no ticket: nothing to tell', by: 'user', ticket: null, expected: 'drop' },
  ];
  it.each(rows)('$line', ({ by, ticket: t, expected }) => {
    expect(resolveDisposition(by, t, 'resolved')).toBe(expected);
  });
});
