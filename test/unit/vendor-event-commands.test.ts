// The real IncidentCommands.vendorEvent over the memory and file engines (the route tests use a fake):
// how a ticket event finds its incident, and that the delivery's dedup key lives and dies with its
// effect — a refused change or a unit that fails half-way leaves no key behind, so a corrected retry
// with the same delivery id is applied.
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../../src/domain/errors.js';
import type { VendorEvent } from '../../src/domain/vendor-events.js';
import type { Incident } from '../../src/domain/types.js';
import { IncidentCommands } from '../../src/escalation/incident-commands.js';
import { NO_HOOKS } from '../../src/escalation/lifecycle-hooks.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { FileStore } from '../../src/store/file/file-store.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import type { Store, UnitOfWork } from '../../src/store/port.js';
import { Transactor } from '../../src/store/transactor.js';
import { incident } from '../helpers/store-conformance.js';
import { makeTempDir, type TempDir } from '../helpers/tmp.js';

const SYS_ID = '9d385017c611228701d22104cc95c371';
const T1 = new Date('2026-11-25T11:00:00.000Z');

/**
 * A store whose next unit of work fails half-way: its first incident write throws, after whatever the
 * unit did before it (the dedup claim) — as a store that loses its connection mid-unit would.
 */
class FailingMidUnit {
  armed = false;
  constructor(private readonly inner: Store) {}

  wrap(): Store {
    return new Proxy(this.inner, {
      get: (target, prop, receiver) => {
        if (prop !== 'transaction') return Reflect.get(target, prop, receiver) as unknown;
        return <T>(work: (uow: UnitOfWork) => Promise<T> | T, options?: Parameters<Store['transaction']>[1]) =>
          target.transaction((uow) => work(this.armed ? this.failing(uow) : uow), options);
      },
    });
  }

  private failing(uow: UnitOfWork): UnitOfWork {
    const put = () => {
      this.armed = false;
      throw new Error('connection lost mid-unit');
    };
    const incidents = new Proxy(uow.incidents, { get: (target, prop, receiver) => (prop === 'put' ? put : Reflect.get(target, prop, receiver) as unknown) });
    return new Proxy(uow, { get: (target, prop, receiver) => (prop === 'incidents' ? incidents : Reflect.get(target, prop, receiver) as unknown) });
  }
}

interface Engine {
  name: string;
  make(dir: TempDir): Store;
}
const ENGINES: Engine[] = [
  { name: 'memory', make: () => new MemoryStore() },
  { name: 'file', make: (dir) => new FileStore({ path: dir.file('store.json') }) },
];

describe.each(ENGINES)('IncidentCommands.vendorEvent on the $name store', (engine) => {
  let dir: TempDir;
  let store: Store;
  let failing: FailingMidUnit;
  let commands: IncidentCommands;

  beforeEach(async () => {
    dir = makeTempDir('escalatord-vendor-event-');
    store = engine.make(dir);
    await store.open();
    failing = new FailingMidUnit(store);
    const transactor = new Transactor({ store: failing.wrap(), now: () => T1 });
    const metrics = createMetrics(new Registry(), { consoleIds: [] });
    commands = new IncidentCommands({ transactor, config: { customers: [], requests: [] }, hooks: NO_HOOKS, metrics, dedupRetentionMs: 86_400_000 });
    await store.transaction((u) => {
      // A ServiceNow ticket: the API's sys_id is the id, the INC… number is what people (and some Business Rules) send.
      u.incidents.put(incident('INC-000001', { ticket: { adapter: 'servicenow', id: SYS_ID, number: 'INC0010001', url: null, state: 'created' } }));
      u.incidents.put(incident('INC-000002'));
      u.incidents.put(incident('INC-000003', { status: 'resolved', resolvedAt: '2026-11-25T10:30:00.000Z', rootCause: 'server' }));
    });
  });
  afterEach(async () => {
    await store.close();
    dir.remove();
  });

  const get = async (id: string): Promise<Incident> => (await store.read.incidents.get(id))!;
  const vendor = (event: Partial<VendorEvent>): VendorEvent => ({ event: 'acknowledged', by: 'sam.vendor', ...event });

  it('finds the incident by the ticket\'s number alone (no sys_id, no correlation_id)', async () => {
    const out = await commands.vendorEvent(vendor({ ticketNumber: 'INC0010001', event: 'progress', note: 'disk swapped' }), { source: 'servicenow' });
    expect(out).toMatchObject({ duplicate: false, incident: { id: 'INC-000001', status: 'in-progress' } });
    expect((await get('INC-000001')).timeline.at(-1)).toMatchObject({ actor: { kind: 'vendor', name: 'sam.vendor' }, note: 'disk swapped' });
  });

  it('tries the sys_id, then the number, then the incident id', async () => {
    // An unknown sys_id (the vendor re-created the record) with a known number still finds the incident.
    await expect(commands.vendorEvent(vendor({ ticketId: 'f00d', ticketNumber: 'INC0010001' }), { source: 'servicenow' })).resolves.toMatchObject({ incident: { id: 'INC-000001' } });
    await expect(commands.vendorEvent(vendor({ ticketNumber: 'INC0099999', incidentId: 'INC-000002' }), { source: 'servicenow' })).resolves.toMatchObject({ incident: { id: 'INC-000002', status: 'acknowledged' } });
    await expect(commands.vendorEvent(vendor({ ticketNumber: 'INC0099999' }), { source: 'servicenow' })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('leaves no dedup key behind when the change is refused, so a corrected retry with the same delivery id is applied', async () => {
    // The first delivery names a resolved incident: 409, and nothing of it may stay.
    await expect(commands.vendorEvent(vendor({ incidentId: 'INC-000003', event: 'progress', note: 'still on it' }), { source: 'jira', dedupKey: 'wh-1' }))
      .rejects.toBeInstanceOf(ConflictError);
    const retried = await commands.vendorEvent(vendor({ incidentId: 'INC-000002', event: 'progress', note: 'still on it' }), { source: 'jira', dedupKey: 'wh-1' });
    expect(retried).toMatchObject({ duplicate: false, incident: { id: 'INC-000002', status: 'in-progress' } });
    // …and now the key is taken: the next repeat is a duplicate that changes nothing.
    const before = (await get('INC-000002')).timeline.length;
    await expect(commands.vendorEvent(vendor({ incidentId: 'INC-000002', event: 'progress', note: 'still on it' }), { source: 'jira', dedupKey: 'wh-1' }))
      .resolves.toMatchObject({ duplicate: true });
    expect((await get('INC-000002')).timeline).toHaveLength(before);
  });

  it('leaves no dedup key behind when the store fails half-way through the unit, so the retry is applied', async () => {
    failing.armed = true;
    const delivery = vendor({ ticketId: SYS_ID, event: 'resolved', note: 'fixed', rootCause: 'lan' });
    await expect(commands.vendorEvent(delivery, { source: 'servicenow', dedupKey: 'sn:x:1' })).rejects.toThrow('connection lost mid-unit');
    expect((await get('INC-000001')).status).toBe('open');
    await expect(commands.vendorEvent(delivery, { source: 'servicenow', dedupKey: 'sn:x:1' })).resolves.toMatchObject({ duplicate: false, incident: { status: 'resolved' } });
    expect(await get('INC-000001')).toMatchObject({ status: 'resolved', rootCause: 'lan' });
  });
});

describe('IncidentCommands.vendorEvent when the memory store cannot make the unit durable', () => {
  it('keeps no dedup key of the lost commit, so the retry is applied once the store writes again', async () => {
    const store = new MemoryStore({ retryWriteMs: 60_000 });
    await store.open();
    const commands = new IncidentCommands({
      transactor: new Transactor({ store, now: () => T1 }), config: { customers: [], requests: [] }, hooks: NO_HOOKS,
      metrics: createMetrics(new Registry(), { consoleIds: [] }), dedupRetentionMs: 86_400_000,
    });
    await store.transaction((u) => u.incidents.put(incident('INC-000001', { ticket: { adapter: 'jira', id: 'SUP-42', url: null, state: 'created' } })));
    store.failWrites = true;
    await expect(commands.vendorEvent({ ticketId: 'SUP-42', event: 'acknowledged', by: 'Sam Vendor' }, { source: 'jira', dedupKey: 'wh-9' })).rejects.toThrow();
    store.failWrites = false;
    await expect(commands.vendorEvent({ ticketId: 'SUP-42', event: 'acknowledged', by: 'Sam Vendor' }, { source: 'jira', dedupKey: 'wh-9' }))
      .resolves.toMatchObject({ duplicate: false, incident: { status: 'acknowledged' } });
    await store.close();
  });
});
