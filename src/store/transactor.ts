// The daemon's unit of work over the storage port: the named operations plus what every change needs —
// the instant of the commit, events and outbox items written with it, work to do once it is durable.
// Listeners hear about events only after the commit is durable (from every instance, on postgres).
import type { DomainEvent, Incident, LoggedEvent } from '../domain/types.js';
import type { OutboxItem, Store, StoreReader, UnitOfWork } from './port.js';

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

  async run<T>(fn: (tx: Tx) => Promise<T> | T): Promise<T> {
    let after: Array<() => void> = [];
    const result = await this.deps.store.transaction(async (uow) => {
      // An engine may run the unit again (postgres, after a serialization failure): start clean each time.
      after = [];
      const now = this.deps.now();
      const tx = makeTx(uow, now, after);
      return fn(tx);
    });
    for (const f of after) f();
    return result;
  }
}

function makeTx(uow: UnitOfWork, now: Date, after: Array<() => void>): Tx {
  const bases = new Map<string, Incident | null>();
  const remember = (i: Incident | undefined) => {
    if (i && !bases.has(i.id)) bases.set(i.id, i);
    return i;
  };
  const rememberAll = (list: Incident[]) => {
    for (const i of list) remember(i);
    return list;
  };
  const u = uow.incidents;
  // Written out rather than spread: an engine's operations may live on a prototype.
  const incidents: UnitOfWork['incidents'] = {
    count: () => u.count(),
    resolvedBefore: (cutoff, limit) => u.resolvedBefore(cutoff, limit),
    nextId: () => u.nextId(),
    delete: (id) => u.delete(id),
    get: async (id) => remember(await uow.incidents.get(id)),
    openFor: async (s, c) => remember(await uow.incidents.openFor(s, c)),
    openOn: async (s) => rememberAll(await uow.incidents.openOn(s)),
    byTicket: async (t) => remember(await uow.incidents.byTicket(t)),
    list: async (q) => rememberAll(await uow.incidents.list(q)),
    open: async () => rememberAll(await uow.incidents.open()),
    put: (i) => {
      if (!bases.has(i.id)) bases.set(i.id, null);
      uow.incidents.put(i);
    },
  };
  return {
    servers: uow.servers,
    incidents,
    outbox: uow.outbox,
    events: uow.events,
    dedup: uow.dedup,
    maintenance: uow.maintenance,
    meta: uow.meta,
    audit: uow.audit,
    now,
    emit: (event) => uow.events.append(event),
    enqueue: (item) => uow.outbox.add({
      kind: item.kind, incidentId: item.incidentId, payload: item.payload, nextAttemptAt: (item.notBefore ?? now).toISOString(),
    }),
    afterCommit: (fn) => void after.push(fn),
    baseOf: (id) => bases.get(id),
    rebase: (i) => void bases.set(i.id, i),
  };
}
