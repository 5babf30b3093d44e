// The ticketing simulator's records: tickets keyed by id and by Idempotency-Key, their comments and the
// vendor-side events. No HTTP here; the routes in ticketing-simulator.ts translate.

export const COMMENT_KINDS = ['diagnostics', 'escalation', 'recovery', 'resolution', 'sla'] as const;
export type CommentKind = (typeof COMMENT_KINDS)[number];
export const VENDOR_EVENTS = ['acknowledged', 'progress', 'awaiting-customer', 'resolved'] as const;
export type VendorEvent = (typeof VENDOR_EVENTS)[number];
export type TicketState = 'open' | 'acknowledged' | 'in-progress' | 'awaiting-customer' | 'resolved';

/** The body of `POST /tickets` (DESIGN §6, generic adapter). Only `title` is required. */
export interface TicketInput {
  externalId?: string;
  title: string;
  priority?: string;
  level?: number;
  serverId?: string;
  customerId?: string;
  component?: string | null;
  description?: string;
  diagnostics?: unknown;
  links?: Record<string, unknown>;
}

export interface TicketComment {
  id: string;
  body: string;
  kind: CommentKind;
  at: string;
  idempotencyKey: string | null;
}

export interface TicketEventRecord {
  event: VendorEvent | 'resolved-by-daemon';
  by: string;
  note: string | null;
  at: string;
}

export interface SimTicket extends TicketInput {
  id: string;
  url: string;
  idempotencyKey: string;
  state: TicketState;
  /** Arrival of the creating request, ISO and epoch ms: benchmarks measure detection→ticket with it. */
  receivedAt: string;
  receivedAtMs: number;
  updatedAt: string;
  resolvedAt: string | null;
  resolution: { note: string | null; rootCause: string | null } | null;
  comments: TicketComment[];
  events: TicketEventRecord[];
}

const EVENT_STATE: Record<VendorEvent, TicketState> = {
  acknowledged: 'acknowledged',
  progress: 'in-progress',
  'awaiting-customer': 'awaiting-customer',
  resolved: 'resolved',
};

export class TicketBook {
  private readonly tickets = new Map<string, SimTicket>();
  private readonly byKey = new Map<string, string>();
  private nextTicket = 1;
  private nextComment = 1;

  /** Same key → the ticket already made for it (`created: false`); a new key → a new ticket. */
  create(input: TicketInput, idempotencyKey: string, now: Date, urlFor: (id: string) => string): { ticket: SimTicket; created: boolean } {
    const existing = this.byKey.get(idempotencyKey);
    if (existing) return { ticket: this.tickets.get(existing)!, created: false };
    const id = `T-${this.nextTicket++}`;
    const at = now.toISOString();
    const ticket: SimTicket = {
      ...input,
      id,
      url: urlFor(id),
      idempotencyKey,
      state: 'open',
      receivedAt: at,
      receivedAtMs: now.getTime(),
      updatedAt: at,
      resolvedAt: null,
      resolution: null,
      comments: [],
      events: [],
    };
    this.tickets.set(id, ticket);
    this.byKey.set(idempotencyKey, id);
    return { ticket, created: true };
  }

  get(id: string): SimTicket | undefined {
    return this.tickets.get(id);
  }

  list(filter: { externalId?: string; serverId?: string; state?: string } = {}): SimTicket[] {
    return [...this.tickets.values()].filter(
      (t) =>
        (filter.externalId === undefined || t.externalId === filter.externalId) &&
        (filter.serverId === undefined || t.serverId === filter.serverId) &&
        (filter.state === undefined || t.state === filter.state),
    );
  }

  get size(): number {
    return this.tickets.size;
  }

  /**
   * Adds a comment. An optional Idempotency-Key makes retries safe; a `resolution` comment resolves the
   * ticket, which is how the generic contract (comments only) says "resolved".
   */
  comment(ticket: SimTicket, body: string, kind: CommentKind, idempotencyKey: string | null, now: Date): { comment: TicketComment; created: boolean } {
    if (idempotencyKey) {
      const seen = ticket.comments.find((c) => c.idempotencyKey === idempotencyKey);
      if (seen) return { comment: seen, created: false };
    }
    const comment: TicketComment = { id: `C-${this.nextComment++}`, body, kind, at: now.toISOString(), idempotencyKey };
    ticket.comments.push(comment);
    ticket.updatedAt = comment.at;
    if (kind === 'resolution') this.resolve(ticket, { note: body, rootCause: null }, now);
    return { comment, created: true };
  }

  /** Resolves a ticket; resolving a resolved ticket changes nothing, so retries are safe. */
  resolve(ticket: SimTicket, resolution: { note: string | null; rootCause: string | null }, now: Date): void {
    if (ticket.state === 'resolved') return;
    const at = now.toISOString();
    ticket.state = 'resolved';
    ticket.resolvedAt = at;
    ticket.updatedAt = at;
    ticket.resolution = resolution;
    ticket.events.push({ event: 'resolved-by-daemon', by: 'escalatord', note: resolution.note, at });
  }

  /** A vendor engineer acts on the ticket (the control API's stand-in for the vendor's own UI). */
  vendorEvent(ticket: SimTicket, event: VendorEvent, by: string, note: string | null, now: Date): TicketEventRecord {
    const record: TicketEventRecord = { event, by, note, at: now.toISOString() };
    ticket.events.push(record);
    ticket.state = EVENT_STATE[event];
    ticket.updatedAt = record.at;
    if (event === 'resolved') {
      ticket.resolvedAt = record.at;
      ticket.resolution = { note, rootCause: null };
    }
    return record;
  }

  reset(): void {
    this.tickets.clear();
    this.byKey.clear();
    this.nextTicket = 1;
    this.nextComment = 1;
  }
}
