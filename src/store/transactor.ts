// The daemon's unit of work over the storage port: the named operations plus what every change needs —
// the instant of the commit, events and outbox items written with it, work to do once it is durable.
// Listeners hear about events only after the commit is durable (from every instance, on postgres).
import type { DomainEvent, Incident, LoggedEvent } from '../domain/types.js';
import type { IncidentQuery, OutboxItem, Store, StoreReader, StoredIncident, TransactionOptions, UnitOfWork } from './port.js';

export interface Tx extends UnitOfWork {
  readonly now: Date;
  emit(event: DomainEvent): void;
  enqueue(item: Pick<OutboxItem, 'kind' | 'incidentId' | 'payload'> & { notBefore?: Date }): OutboxItem;
  /** Runs after the commit is durable (metrics, timers, kicks); never inside the unit of work. */
  afterCommit(fn: () => void): void;
  /** The incident as this unit of work first read it (null: created here); the audit trail diffs against it. */
  baseOf(id: string): Incident | null | undefined;
  /** Records `incident` as the new base once its timeline is audited, so a second save audits only what is newer. */
  rebase(incident: Incident): void;
}

export type EventListener = (events: LoggedEvent[]) => void;

export interface TransactorDeps {
  store: Store;
  now: () => Date;
}

export class Transactor {
  constructor(private readonly deps: TransactorDeps) {}

  get store(): Store {
    return this.deps.store;
  }

  get read(): StoreReader {
    return this.deps.store.read;
  }

  onEvents(listener: EventListener): void {
    this.deps.store.onEvents(listener);
  }

  async run<T>(fn: (tx: Tx) => Promise<T> | T, options?: TransactionOptions): Promise<T> {
    let after: Array<() => void> = [];
    const result = await this.deps.store.transaction(async (uow) => {
      // An engine may run the unit again (postgres, after a serialization failure): start clean each time.
      after = [];
      const now = this.deps.now();
      return fn(new UnitTx(uow, now, after));
    }, options);
    for (const f of after) f();
    return result;
  }
}

/**
 * The Tx of one unit: methods on the prototype and the incidents wrapper built on first use, because
 * ingest starts one unit per report and most never touch an incident.
 */
class UnitTx implements Tx {
  readonly servers: UnitOfWork['servers'];
  readonly outbox: UnitOfWork['outbox'];
  readonly events: UnitOfWork['events'];
  readonly dedup: UnitOfWork['dedup'];
  readonly maintenance: UnitOfWork['maintenance'];
  readonly meta: UnitOfWork['meta'];
  readonly audit: UnitOfWork['audit'];
  private bases: Map<string, Incident | null> | undefined;
  private remembering: RememberingIncidents | undefined;

  constructor(private readonly uow: UnitOfWork, readonly now: Date, private readonly after: Array<() => void>) {
    this.servers = uow.servers;
    this.outbox = uow.outbox;
    this.events = uow.events;
    this.dedup = uow.dedup;
    this.maintenance = uow.maintenance;
    this.meta = uow.meta;
    this.audit = uow.audit;
  }

  get incidents(): UnitOfWork['incidents'] {
    this.remembering ??= new RememberingIncidents(this.uow.incidents, (this.bases ??= new Map()));
    return this.remembering;
  }

  emit(event: DomainEvent): void {
    this.uow.events.append(event);
  }

  enqueue(item: Pick<OutboxItem, 'kind' | 'incidentId' | 'payload'> & { notBefore?: Date }): OutboxItem {
    return this.uow.outbox.add({
      kind: item.kind, incidentId: item.incidentId, payload: item.payload, nextAttemptAt: (item.notBefore ?? this.now).toISOString(),
    });
  }

  afterCommit(fn: () => void): void {
    this.after.push(fn);
  }

  baseOf(id: string): Incident | null | undefined {
    return this.bases?.get(id);
  }

  rebase(incident: Incident): void {
    (this.bases ??= new Map()).set(incident.id, incident);
  }
}

type UnitIncidents = UnitOfWork['incidents'];

/** The unit's incidents, remembering each as first read (or null: created here) for `baseOf`. */
class RememberingIncidents implements UnitIncidents {
  constructor(private readonly u: UnitIncidents, private readonly bases: Map<string, Incident | null>) {}

  private remember(i: Incident | undefined): Incident | undefined {
    if (i && !this.bases.has(i.id)) this.bases.set(i.id, i);
    return i;
  }

  private rememberAll(list: Incident[]): Incident[] {
    for (const i of list) this.remember(i);
    return list;
  }

  count() { return this.u.count(); }
  resolvedBefore(cutoff: string, limit: number) { return this.u.resolvedBefore(cutoff, limit); }
  nextId() { return this.u.nextId(); }
  delete(id: string) { this.u.delete(id); }
  async get(id: string) { return this.remember(await this.u.get(id)); }
  async openFor(serverId: string, component: string | null) { return this.remember(await this.u.openFor(serverId, component)); }
  async openOn(serverId: string) { return this.rememberAll(await this.u.openOn(serverId)); }
  async byTicket(ticketId: string) { return this.remember(await this.u.byTicket(ticketId)); }
  async list(q: IncidentQuery) { return this.rememberAll(await this.u.list(q)); }
  async open() { return this.rememberAll(await this.u.open()); }
  put(i: StoredIncident): void {
    if (!this.bases.has(i.id)) this.bases.set(i.id, null);
    this.u.put(i);
  }
}
