// The one contract every ticketing adapter implements (DESIGN §6). The dispatcher owns retries,
// backoff and the circuit breaker; an adapter makes one attempt and throws a classified TicketError.

import type { Priority } from '../domain/types.js';

export type TicketPriority = Priority;
export type TicketCommentKind = 'diagnostics' | 'escalation' | 'recovery' | 'resolution' | 'sla' | 'progress';
/** The ticketing adapters, one file each under src/tickets/: the one list config, metrics and the factory read. */
export const TICKET_ADAPTERS = ['generic', 'jira', 'servicenow'] as const;
export type TicketAdapterName = (typeof TICKET_ADAPTERS)[number];

export interface TicketCreateRequest {
  /** The incident id; also the idempotency key the adapter uses to find a ticket it already made. */
  externalId: string;
  title: string;
  priority: TicketPriority;
  level: number;
  serverId: string;
  customerId: string;
  component: string | null;
  description: string;
  /** JSON, already size-capped by the caller; adapters cap it again to fit their own field limits. */
  diagnostics: unknown;
  links: { incident: string };
}

export interface CreatedTicket {
  id: string;
  url: string | null;
  /** The reference a person reads, when it is not the id the API needs (ServiceNow: INC0010001 beside the sys_id). */
  number?: string;
}

/**
 * A ticketing system. Every method makes one attempt, bounded by the configured timeout, and either
 * resolves or throws a `TicketError` that says whether a retry can help. `create` is safe to repeat with
 * the same idempotency key: a second call returns the ticket the first one made instead of a new one.
 */
export interface TicketAdapter {
  readonly name: TicketAdapterName;
  create(req: TicketCreateRequest, idempotencyKey: string): Promise<CreatedTicket>;
  comment(ticketId: string, body: string, kind: TicketCommentKind): Promise<void>;
  resolve(ticketId: string, note: string, rootCause: string | null): Promise<void>;
}
