// A unit of work over the store: a mutation, the events it emits and the outbox items it enqueues land
// in one durable commit; listeners hear about the events only after that commit is on disk.
import type { DomainEvent, LoggedEvent } from '../domain/types.js';
import { appendEvent } from './event-log.js';
import type { OutboxItem, Store, StoreData } from './types.js';

export interface Tx {
  readonly data: StoreData;
  readonly now: Date;
  emit(event: DomainEvent): void;
  enqueue(item: Pick<OutboxItem, 'kind' | 'incidentId' | 'payload'> & { notBefore?: Date }): OutboxItem;
  /** Runs after the commit is durable (metrics, timers, kicks); never inside the mutation. */
  afterCommit(fn: () => void): void;
}

export type EventListener = (events: LoggedEvent[]) => void;

export interface TransactorDeps {
  store: Store;
  now: () => Date;
  eventLogSize: number;
}

export class Transactor {
  private readonly listeners: EventListener[] = [];
  constructor(private readonly deps: TransactorDeps) {}

  onEvents(listener: EventListener): void {
    this.listeners.push(listener);
  }

  get data(): Readonly<StoreData> {
    return this.deps.store.data;
  }

  async run<T>(fn: (tx: Tx) => T): Promise<T> {
    const emitted: LoggedEvent[] = [];
    const after: Array<() => void> = [];
    const now = this.deps.now();
    const result = await this.deps.store.commit((data) => {
      const tx: Tx = {
        data,
        now,
        emit: (event) => emitted.push(appendEvent(data, event, now, this.deps.eventLogSize)),
        enqueue: (item) => {
          data.counters.outbox += 1;
          const entry: OutboxItem = {
            id: `ob-${data.counters.outbox}`,
            kind: item.kind,
            incidentId: item.incidentId,
            payload: item.payload,
            attempts: 0,
            nextAttemptAt: (item.notBefore ?? now).toISOString(),
            createdAt: now.toISOString(),
          };
          data.outbox.push(entry);
          return entry;
        },
        afterCommit: (f) => after.push(f),
      };
      return fn(tx);
    });
    for (const f of after) f();
    if (emitted.length > 0) for (const l of this.listeners) l(emitted);
    return result;
  }
}
