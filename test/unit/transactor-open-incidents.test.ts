// A unit that read the open incidents of some servers at once (a report of many servers) answers openOn
// and openFor of those servers from what it read, kept in step with its own writes: the monitoring
// policy sees the incident an earlier change of the same unit opened, and not the one it resolved.
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import type { UnitOfWork } from '../../src/store/port.js';
import { Transactor } from '../../src/store/transactor.js';
import { incident } from '../helpers/store-conformance.js';

const now = () => new Date('2026-11-25T10:00:00.000Z');

describe('open incidents read at once in a unit', () => {
  it('follow the unit\'s own writes, and are not read again', async () => {
    const store = new MemoryStore({ now });
    await store.open();
    await store.transaction((u) => {
      u.incidents.put(incident('INC-000001', { serverId: 'web', component: 'backup' }));
      u.incidents.put(incident('INC-000002', { serverId: 'web', component: 'email', source: 'manual' }));
    });
    let reads = 0;
    // Counts the reads of open incidents that reach the store.
    const counting = new Proxy(store, {
      get: (target, prop) => prop !== 'transaction' ? Reflect.get(target, prop, target) : (work: (u: UnitOfWork) => unknown) =>
        target.transaction((u) => work(Object.assign(Object.create(u) as UnitOfWork, {
          incidents: Object.assign(Object.create(u.incidents) as UnitOfWork['incidents'], {
            openOn: (id: string) => (reads++, u.incidents.openOn(id)),
            openFor: (id: string, c: string | null) => (reads++, u.incidents.openFor(id, c)),
          }),
        }))),
    });
    await new Transactor({ store: counting, now }).run(async (tx) => {
      await tx.incidents.openOnMany(['web', 'db']);
      const ids = async (server: string) => (await tx.incidents.openOn(server)).map((i) => i.id);
      expect(await ids('web')).toEqual(['INC-000001', 'INC-000002']);
      expect((await tx.incidents.openFor('web', 'email'))).toBeUndefined(); // a person's report is not the monitored one
      tx.incidents.put(incident('INC-000003', { serverId: 'db', component: null }));
      tx.incidents.put({ ...(await tx.incidents.get('INC-000001'))!, status: 'resolved', resolvedAt: now().toISOString() });
      expect(await ids('web')).toEqual(['INC-000002']);
      expect(await ids('db')).toEqual(['INC-000003']);
      expect((await tx.incidents.openFor('db', null))?.id).toBe('INC-000003');
      expect(await tx.incidents.openFor('web', 'backup')).toBeUndefined();
      expect(tx.baseOf('INC-000002')?.id).toBe('INC-000002');
      // Servers not read at once still go to the store.
      expect(await ids('mail')).toEqual([]);
    });
    expect(reads).toBe(1);
    expect((await store.read.incidents.openOn('db')).map((i) => i.id)).toEqual(['INC-000003']);
  });
});
