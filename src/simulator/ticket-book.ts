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

/** What a state file holds: everything needed to carry on numbering and deduplicating after a restart. */
export interface TicketBookSnapshot {
  version: 1;
  nextTicket: number;
  nextComment: number;
  tickets: SimTicket[];
}

export function isTicketBookSnapshot(value: unknown): value is TicketBookSnapshot {
  const v = value as Partial<TicketBookSnapshot> | null;
  return (
    typeof v === 'object' && v !== null && v.version === 1 && Number.isInteger(v.nextTicket) && Number.isInteger(v.nextComment) &&
    Array.isArray(v.tickets) && v.tickets.every((t) => typeof t?.id === 'string' && typeof t.idempotencyKey === 'string' && Array.isArray(t.comments) && Array.isArray(t.events))
  );
}

export class TicketBook {
  private readonly tickets = new Map<string, SimTicket>();
  private readonly byKey = new Map<string, string>();
  private nextTicket = 1;
  private nextComment = 1;

  /** `onChange` is told after every change, e.g. to save the book. */
  constructor(private readonly onChange: () => void = () => undefined) {}

  snapshot(): TicketBookSnapshot {
    return { version: 1, nextTicket: this.nextTicket, nextComment: this.nextComment, tickets: [...this.tickets.values()] };
  }

  /** Replaces the book's content with a saved one. */
  restore(saved: TicketBookSnapshot): void {
    this.tickets.clear();
    this.byKey.clear();
    for (const t of saved.tickets) {
      this.tickets.set(t.id, t);
      this.byKey.set(t.idempotencyKey, t.id);
    }
    this.nextTicket = saved.nextTicket;
    this.nextComment = saved.nextComment;
  }

  /** Points every ticket's url at where the simulator listens now (the port may differ from the last run). */
  relink(urlFor: (id: string) => string): void {
    for (const t of this.tickets.values()) t.url = urlFor(t.id);
  }

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
    this.onChange();
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
    this.onChange();
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
    this.onChange();
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
    this.onChange();
    return record;
  }

  reset(): void {
    this.tickets.clear();
    this.byKey.clear();
    this.nextTicket = 1;
    this.nextComment = 1;
    this.onChange();
  }
}
