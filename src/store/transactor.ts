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

/**
 * The unit's incidents, remembering each as first read (or null: created here) for `baseOf`. The open
 * incidents of servers read with `openOnMany` are kept in step with the unit's own writes, and `openOn`
 * and `openFor` of those servers are answered from them: a report of many servers reads them once, not
 * once per change (what they hold cannot change under the unit: the read locked them).
 */
class RememberingIncidents implements UnitIncidents {
  private openOf: Map<string, Map<string, StoredIncident>> | undefined;

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
  delete(id: string) {
    for (const open of this.openOf?.values() ?? []) open.delete(id);
    this.u.delete(id);
  }

  async get(id: string) { return this.remember(await this.u.get(id)); }
  async openFor(serverId: string, component: string | null) {
    const known = this.openOf?.get(serverId);
    if (known) return byId(known).find((i) => i.source !== 'manual' && i.component === component);
    return this.remember(await this.u.openFor(serverId, component));
  }

  async openOn(serverId: string) {
    const known = this.openOf?.get(serverId);
    if (known) return byId(known);
    return this.rememberAll(await this.u.openOn(serverId));
  }

  async openOnMany(serverIds: readonly string[]) {
    const found = await this.u.openOnMany(serverIds);
    this.openOf ??= new Map();
    for (const id of serverIds) this.openOf.set(id, new Map(this.rememberAll(found.get(id) ?? []).map((i) => [i.id, i])));
    return found;
  }

  async byTicket(ticketId: string) { return this.remember(await this.u.byTicket(ticketId)); }
  async list(q: IncidentQuery) { return this.rememberAll(await this.u.list(q)); }
  async open() { return this.rememberAll(await this.u.open()); }
  put(i: StoredIncident): void {
    if (!this.bases.has(i.id)) this.bases.set(i.id, null);
    if (this.openOf) {
      for (const [serverId, open] of this.openOf) if (serverId !== i.serverId) open.delete(i.id);
      const known = this.openOf.get(i.serverId);
      if (known && i.status === 'resolved') known.delete(i.id);
      else if (known) known.set(i.id, i);
    }
    this.u.put(i);
  }
}

/** Open incidents oldest first, as `openOn` answers (ids sort as they were given out). */
function byId(open: Map<string, StoredIncident>): StoredIncident[] {
  return [...open.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
