// The conformance suite of the storage port (src/store/port.ts): every engine — memory, file, postgres —
// runs it with a factory for a fresh, unopened store. BullMQ's way: each behaviour of the port is a test
// every engine must pass. `reopen` (engines that persist) builds a second store over the same durable state.
import { describe, expect, it } from 'vitest';
import type { Incident, ServerState } from '../../src/domain/types.js';
import type { Store, UnitOfWork } from '../../src/store/port.js';

export interface ConformanceFixture {
  store: Store;
  reopen?: () => Store;
  cleanup?: () => void | Promise<void>;
}

const T0 = '2026-11-25T10:00:00.000Z';

export function server(id: string, customerId = 'acme', extra: Partial<ServerState> = {}): ServerState {
  return {
    id, name: `${id}-name`, customerId, reachable: true, reachableSince: T0, observedAt: T0,
    components: { backup: { name: 'backup', kind: 'software', status: 'ok', since: T0, observedAt: T0 } }, ...extra,
  };
}

export function incident(id: string, extra: Partial<Incident> = {}): Incident {
  return {
    id, type: 'fault', title: `incident ${id}`, serverId: 'srv-1', customerId: 'acme', component: 'backup', componentKind: 'software',
    source: 'console', priority: 'P2', level: 3, status: 'open', createdAt: T0, updatedAt: T0, acknowledgedAt: null, resolvedAt: null,
    detectedAt: T0, reporter: null, symptoms: [], requestType: null, diagnostics: null, ticket: null, sla: null,
    management: { step: 1, history: [] }, rootCause: null, recoveredAt: null, lastProgressAt: null, timeline: [], ...extra,
  };
}

export function describeStoreConformance(name: string, make: () => ConformanceFixture | Promise<ConformanceFixture>): void {
  describe(`${name} (storage port conformance)`, () => {
    const withStore = (fn: (f: ConformanceFixture) => Promise<void>) => async () => {
      const f = await make();
      try {
        await f.store.open();
        await fn(f);
      } finally {
        await f.store.close();
        await f.cleanup?.();
      }
    };
    const tx = <T>(store: Store, work: (uow: UnitOfWork) => Promise<T> | T) => store.transaction(work);

    it('starts empty', withStore(async ({ store }) => {
      expect(await store.read.incidents.count()).toBe(0);
      expect(await store.read.servers.count()).toBe(0);
      expect(await store.read.events.latestSeq()).toBe(0);
      expect(await store.read.outbox.pending()).toBe(0);
    }));

    it('resolves with what the unit of work returned and makes its writes visible', withStore(async ({ store }) => {
      const out = await tx(store, async (u) => {
        u.servers.put(server('srv-1'));
        const id = await u.incidents.nextId();
        u.incidents.put(incident(id));
        return id;
      });
      expect(out).toBe('INC-000001');
      expect((await store.read.servers.get('srv-1'))?.name).toBe('srv-1-name');
      expect((await store.read.incidents.get('INC-000001'))?.title).toBe('incident INC-000001');
    }));

    it('lets a unit of work read its own writes before it commits', withStore(async ({ store }) => {
      await tx(store, async (u) => {
        u.incidents.put(incident('INC-000007'));
        expect((await u.incidents.get('INC-000007'))?.id).toBe('INC-000007');
        expect((await u.incidents.openFor('srv-1', 'backup'))?.id).toBe('INC-000007');
      });
    }));

    it('leaves nothing behind when the unit of work throws half-way', withStore(async ({ store }) => {
      await tx(store, (u) => u.servers.put(server('srv-1')));
      await expect(tx(store, async (u) => {
        u.servers.put(server('srv-1', 'globex'));
        u.incidents.put(incident('INC-000001'));
        u.events.append({ type: 'incident.created', data: { incidentId: 'INC-000001' } });
        u.outbox.add({ kind: 'ticket.create', incidentId: 'INC-000001', payload: {}, nextAttemptAt: T0 });
        await u.dedup.claim('wh-1', '2026-12-01T00:00:00.000Z');
        throw new Error('boom');
      })).rejects.toThrow('boom');
      expect((await store.read.servers.get('srv-1'))?.customerId).toBe('acme');
      expect(await store.read.incidents.get('INC-000001')).toBeUndefined();
      expect(await store.read.incidents.openFor('srv-1', 'backup')).toBeUndefined();
      expect(await store.read.events.latestSeq()).toBe(0);
      expect(await store.read.outbox.pending()).toBe(0);
      expect(await store.read.dedup.has('wh-1')).toBe(false);
    }));

    it('hands out records that cannot be changed in place', withStore(async ({ store }) => {
      await tx(store, (u) => u.incidents.put(incident('INC-000001')));
      const read = await store.read.incidents.get('INC-000001');
      expect(() => {
        (read as { title: string }).title = 'changed';
      }).toThrow();
      expect((await store.read.incidents.get('INC-000001'))?.title).toBe('incident INC-000001');
    }));

    it('keeps one open monitoring incident per server and component, keyed so ids cannot collide', withStore(async ({ store }) => {
      await tx(store, (u) => {
        u.incidents.put(incident('INC-000001', { serverId: 'web', component: 'a/b' }));
        u.incidents.put(incident('INC-000002', { serverId: 'web/a', component: 'b' }));
        u.incidents.put(incident('INC-000003', { serverId: 'web', component: null }));
        u.incidents.put(incident('INC-000004', { serverId: '__proto__', component: 'constructor' }));
      });
      expect((await store.read.incidents.openFor('web', 'a/b'))?.id).toBe('INC-000001');
      expect((await store.read.incidents.openFor('web/a', 'b'))?.id).toBe('INC-000002');
      expect((await store.read.incidents.openFor('web', null))?.id).toBe('INC-000003');
      expect((await store.read.incidents.openFor('__proto__', 'constructor'))?.id).toBe('INC-000004');
      expect((await store.read.incidents.openOn('web')).map((i) => i.id)).toEqual(['INC-000001', 'INC-000003']);
      await tx(store, async (u) => u.incidents.put({ ...(await u.incidents.get('INC-000001'))!, status: 'resolved', resolvedAt: T0 }));
      expect(await store.read.incidents.openFor('web', 'a/b')).toBeUndefined();
      expect((await store.read.incidents.open()).map((i) => i.id)).toEqual(['INC-000002', 'INC-000003', 'INC-000004']);
    }));

    it('reads the open incidents of several servers at once, as openOn reads each', withStore(async ({ store }) => {
      await tx(store, (u) => {
        u.incidents.put(incident('INC-000001', { serverId: 'web' }));
        u.incidents.put(incident('INC-000002', { serverId: 'db', component: null }));
        u.incidents.put(incident('INC-000003', { serverId: 'web', component: 'email' }));
        u.incidents.put(incident('INC-000004', { serverId: 'db', status: 'resolved', resolvedAt: T0 }));
      });
      const ids = (m: Map<string, Incident[]>) => Object.fromEntries([...m].map(([k, v]) => [k, v.map((i) => i.id)]));
      expect(ids(await store.read.incidents.openOnMany(['web', 'db', 'none']))).toEqual({ web: ['INC-000001', 'INC-000003'], db: ['INC-000002'] });
      await tx(store, async (u) => {
        u.incidents.put(incident('INC-000005', { serverId: 'none', component: 'raid' }));
        u.incidents.put({ ...(await u.incidents.get('INC-000001'))!, status: 'resolved', resolvedAt: T0 });
        expect(ids(await u.incidents.openOnMany(['web', 'none']))).toEqual({ web: ['INC-000003'], none: ['INC-000005'] });
      });
    }));

    it('finds an incident by its ticket', withStore(async ({ store }) => {
      await tx(store, (u) => u.incidents.put(incident('INC-000001', { ticket: { adapter: 'generic', id: 'T-9', url: null, state: 'created' } })));
      expect((await store.read.incidents.byTicket('T-9'))?.id).toBe('INC-000001');
      expect(await store.read.incidents.byTicket('T-10')).toBeUndefined();
    }));

    it('finds an incident by its ticket\'s number too (ServiceNow\'s INC0010001 beside the sys_id), and forgets both when the ticket changes', withStore(async ({ store }) => {
      const ticket = { adapter: 'servicenow', id: '9d385017c611228701d22104cc95c371', number: 'INC0010001', url: null, state: 'created' as const };
      await tx(store, (u) => u.incidents.put(incident('INC-000001', { ticket })));
      expect((await store.read.incidents.byTicket('INC0010001'))?.id).toBe('INC-000001');
      expect((await store.read.incidents.byTicket(ticket.id))?.id).toBe('INC-000001');
      await tx(store, async (u) => u.incidents.put({ ...(await u.incidents.get('INC-000001'))!, ticket: { ...ticket, id: 'other', number: 'INC0010002' } }));
      expect(await store.read.incidents.byTicket('INC0010001')).toBeUndefined();
      expect((await store.read.incidents.byTicket('INC0010002'))?.id).toBe('INC-000001');
    }));

    it('lists incidents newest first with filters and a cursor', withStore(async ({ store }) => {
      await tx(store, (u) => {
        for (let n = 1; n <= 6; n++) {
          u.incidents.put(incident(`INC-00000${n}`, {
            level: (n % 2 === 0 ? 2 : 3) as 2 | 3, customerId: n <= 3 ? 'acme' : 'globex',
            status: n === 1 ? 'resolved' : 'open', resolvedAt: n === 1 ? T0 : null, component: `c${n}`,
          }));
        }
      });
      const open = await store.read.incidents.list({ status: 'open', limit: 10 });
      expect(open.map((i) => i.id)).toEqual(['INC-000006', 'INC-000005', 'INC-000004', 'INC-000003', 'INC-000002']);
      const page = await store.read.incidents.list({ status: 'all', limit: 2, beforeId: 'INC-000004' });
      expect(page.map((i) => i.id)).toEqual(['INC-000003', 'INC-000002']);
      expect((await store.read.incidents.list({ status: 'all', levels: [3], limit: 10 })).map((i) => i.id)).toEqual(['INC-000005', 'INC-000003', 'INC-000001']);
      expect((await store.read.incidents.list({ status: 'resolved', limit: 10 })).map((i) => i.id)).toEqual(['INC-000001']);
      expect((await store.read.incidents.list({ status: 'all', customerId: 'globex', level: 2, limit: 10 })).map((i) => i.id)).toEqual(['INC-000006', 'INC-000004']);
    }));

    it('gives unique incident ids to concurrent units of work', withStore(async ({ store }) => {
      const ids = await Promise.all(Array.from({ length: 20 }, () => tx(store, async (u) => {
        const id = await u.incidents.nextId();
        u.incidents.put(incident(id, { component: id }));
        return id;
      })));
      expect(new Set(ids).size).toBe(20);
      expect(await store.read.incidents.count()).toBe(20);
    }));

    it('sequences events in commit order, without gaps, and delivers them to listeners after the commit', withStore(async ({ store }) => {
      const heard: number[] = [];
      store.onEvents((events) => heard.push(...events.map((e) => e.seq)));
      await Promise.all(Array.from({ length: 10 }, (_, i) => tx(store, (u) => {
        u.events.append({ type: 'component.changed', data: { i } });
        u.events.append({ type: 'component.changed', data: { i, second: true } });
      })));
      expect(await store.read.events.latestSeq()).toBe(20);
      const all = await store.read.events.since(0, 100);
      expect(all?.map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      // The two events of one unit are adjacent.
      for (let k = 0; k < 20; k += 2) expect(all![k].data.i).toBe(all![k + 1].data.i);
      await waitUntil(() => heard.length === 20);
      expect(heard).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect((await store.read.events.since(18, 100))?.map((e) => e.seq)).toEqual([19, 20]);
      expect(await store.read.events.since(20, 100)).toEqual([]);
    }));

    it('may resolve a unit at COMMIT, before its events are heard, and still delivers them in order', withStore(async ({ store }) => {
      const heard: number[] = [];
      store.onEvents((events) => heard.push(...events.map((e) => e.seq)));
      await Promise.all(Array.from({ length: 6 }, (_, i) => store.transaction((u) => {
        u.events.append({ type: 'component.changed', data: { i } });
        u.servers.put(server(`srv-${i}`));
      }, { awaitListeners: false })));
      // Durable at once: every write is readable as the promise resolves.
      expect(await store.read.servers.count()).toBe(6);
      await waitUntil(() => heard.length === 6);
      expect(heard).toEqual([1, 2, 3, 4, 5, 6]);
    }));

    it('peeks at servers as they are now: every rewrite, delete and rolled-back write seen as it stands', withStore(async ({ store }) => {
      const names = async (ids: string[], inUnit = false) => {
        const peek = (r: Pick<UnitOfWork['servers'], 'peekMany'>) => r.peekMany(ids);
        const found = inUnit ? await tx(store, (u) => peek(u.servers)) : await peek(store.read.servers);
        return Object.fromEntries([...found].map(([id, s]) => [id, s.name]));
      };
      await tx(store, (u) => {
        u.servers.put(server('srv-a'));
        u.servers.put(server('srv-b'));
      });
      expect(await names(['srv-a', 'srv-b', 'srv-absent'])).toEqual({ 'srv-a': 'srv-a-name', 'srv-b': 'srv-b-name' });
      expect(await names(['srv-a', 'srv-b'], true)).toEqual({ 'srv-a': 'srv-a-name', 'srv-b': 'srv-b-name' });
      await tx(store, (u) => {
        u.servers.put(server('srv-a', 'acme', { name: 'renamed' }));
        u.servers.delete('srv-b');
      });
      expect(await names(['srv-a', 'srv-b'], true)).toEqual({ 'srv-a': 'renamed' });
      expect(await names(['srv-a', 'srv-b'])).toEqual({ 'srv-a': 'renamed' });
      // A unit sees its own writes, each of them, and what it wrote is gone once it throws.
      await expect(tx(store, async (u) => {
        u.servers.put(server('srv-a', 'acme', { name: 'first' }));
        expect((await u.servers.peekMany(['srv-a'])).get('srv-a')?.name).toBe('first');
        u.servers.put(server('srv-a', 'acme', { name: 'second' }));
        u.servers.put(server('srv-b', 'acme', { name: 'back' }));
        expect(Object.fromEntries([...(await u.servers.peekMany(['srv-a', 'srv-b']))].map(([id, s]) => [id, s.name]))).toEqual({ 'srv-a': 'second', 'srv-b': 'back' });
        throw new Error('boom');
      })).rejects.toThrow('boom');
      expect(await names(['srv-a', 'srv-b'], true)).toEqual({ 'srv-a': 'renamed' });
      expect(await names(['srv-a', 'srv-b'])).toEqual({ 'srv-a': 'renamed' });
    }));

    it('writes many servers in one unit as they are, whatever their text holds', withStore(async ({ store }) => {
      const odd = ['quote " here', 'back\\slash \\" {brace}, comma', 'NULL', '', 'ünï 👍 \n tab\t', '{"a":[1,2]}'];
      await tx(store, (u) => u.servers.put(server('srv-0', 'acme', { name: 'before' })));
      await tx(store, (u) => {
        odd.forEach((name, i) => u.servers.put(server(`srv-${i}`, i % 2 === 0 ? 'acme' : 'glo"bex', { name })));
        u.servers.put(server('srv-1', 'glo"bex', { name: odd[1] })); // twice in one unit: the last one counts
        u.servers.delete('srv-5');
        u.servers.put(server('srv-6', 'acme', { name: 'after a delete' }));
      });
      const all = await store.read.servers.all();
      expect(all.map((s) => [s.id, s.customerId, s.name])).toEqual([
        ['srv-0', 'acme', odd[0]], ['srv-1', 'glo"bex', odd[1]], ['srv-2', 'acme', odd[2]], ['srv-3', 'glo"bex', odd[3]],
        ['srv-4', 'acme', odd[4]], ['srv-6', 'acme', 'after a delete'],
      ]);
      expect((await store.read.servers.list({ customerId: 'glo"bex', limit: 10 })).map((s) => s.id)).toEqual(['srv-1', 'srv-3']);
    }));

    it('lets concurrent units that read and rewrite one server take turns, so no write is lost', withStore(async ({ store }) => {
      await tx(store, (u) => u.servers.put(server('srv-shared')));
      await Promise.all(Array.from({ length: 8 }, (_, i) => tx(store, async (u) => {
        const current = (await u.servers.getMany(['srv-shared', 'srv-absent'])).get('srv-shared')!;
        const name = `c${i}`;
        u.servers.put({ ...current, components: { ...current.components, [name]: { name, kind: 'software', status: 'ok', since: T0, observedAt: T0 } } });
      })));
      const final = await store.read.servers.get('srv-shared');
      expect(Object.keys(final!.components).filter((k) => /^c\d$/.test(k)).sort()).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7']);
    }));

    it('claims a dedup key exactly once among concurrent units of work', withStore(async ({ store }) => {
      const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => tx(store, async (u) => {
        const fresh = await u.dedup.claim('tk:T-1:resolved', '2026-12-01T00:00:00.000Z');
        if (fresh) u.events.append({ type: 'incident.updated', data: { applied: i } });
        return fresh;
      })));
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await store.read.events.latestSeq()).toBe(1);
      expect(await store.read.dedup.has('tk:T-1:resolved')).toBe(true);
    }));

    it('claims many keys at once: each once, none already taken, and one winner among concurrent units', withStore(async ({ store }) => {
      const exp = '2026-12-01T00:00:00.000Z';
      await tx(store, (u) => u.dedup.claim('a', exp));
      const first = await tx(store, (u) => u.dedup.claimMany(['a', 'b', 'c', 'b', 'nul\u0000key'], exp));
      expect([...first].sort()).toEqual(['b', 'c', 'nul\u0000key']);
      expect(await tx(store, (u) => u.dedup.claimMany([], exp))).toEqual(new Set());
      // Read-your-writes inside the unit: a key claimed by claimMany is taken for claim, and the reverse.
      const inOne = await tx(store, async (u) => [await u.dedup.claimMany(['d'], exp), await u.dedup.claim('d', exp), await u.dedup.claim('e', exp), await u.dedup.claimMany(['e', 'f'], exp)]);
      expect(inOne).toEqual([new Set(['d']), false, true, new Set(['f'])]);
      const racing = await Promise.all(Array.from({ length: 8 }, () => tx(store, (u) => u.dedup.claimMany(['g', 'h'], exp))));
      expect(racing.flatMap((set) => [...set]).sort()).toEqual(['g', 'h']);
      for (const key of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']) expect(await store.read.dedup.has(key)).toBe(true);
    }));

    it('sends outbox items one lane at a time, in order, earliest due first', withStore(async ({ store }) => {
      await tx(store, (u) => {
        u.outbox.add({ kind: 'ticket.create', incidentId: 'INC-000001', payload: {}, nextAttemptAt: '2026-11-25T10:00:05.000Z' });
        u.outbox.add({ kind: 'ticket.comment', incidentId: 'INC-000001', payload: { body: 'x' }, nextAttemptAt: T0 });
        u.outbox.add({ kind: 'diagnostics.fetch', incidentId: 'INC-000001', payload: {}, nextAttemptAt: T0 });
        u.outbox.add({ kind: 'ticket.create', incidentId: 'INC-000002', payload: {}, nextAttemptAt: '2026-11-25T10:00:01.000Z' });
      });
      const due = await store.read.outbox.due('2026-11-25T10:00:10.000Z', 10);
      expect(due.map((o) => `${o.incidentId}:${o.kind}`)).toEqual(['INC-000001:diagnostics.fetch', 'INC-000002:ticket.create', 'INC-000001:ticket.create']);
      expect((await store.read.outbox.due('2026-11-25T10:00:02.000Z', 10)).map((o) => o.kind)).toEqual(['diagnostics.fetch', 'ticket.create']);
      expect((await store.read.outbox.due('2026-11-25T10:00:10.000Z', 10, new Set(['INC-000001']))).map((o) => o.incidentId)).toEqual(['INC-000001', 'INC-000002']);
      expect(await store.read.outbox.nextDueAt()).toBe(T0);
      const [first] = await store.read.outbox.forIncident('INC-000001');
      expect(first.kind).toBe('ticket.create');
      await tx(store, (u) => u.outbox.update({ ...first, attempts: 1, nextAttemptAt: '2026-11-25T11:00:00.000Z', lastError: 'timeout' }));
      expect((await store.read.outbox.get(first.id))?.attempts).toBe(1);
      // The lane keeps its order: the comment still waits behind the retried creation.
      expect((await store.read.outbox.due('2026-11-25T10:30:00.000Z', 10)).map((o) => o.kind)).toEqual(['diagnostics.fetch', 'ticket.create']);
      await tx(store, (u) => u.outbox.deadLetter({ ...first, failedAt: T0, reason: 'client-error: 400', status: 400 }));
      expect(await store.read.outbox.pending()).toBe(3);
      expect((await store.read.outbox.deadLetters(10)).map((d) => d.id)).toEqual([first.id]);
      expect((await store.read.outbox.due('2026-11-25T10:30:00.000Z', 10)).map((o) => o.kind)).toContain('ticket.comment');
    }));

    it('tells its outbox listeners once a unit that added an item is durable, and only then', withStore(async ({ store }) => {
      let heard = 0;
      store.onOutboxAdded(() => {
        heard += 1;
      });
      await tx(store, (u) => u.meta.put('k', 1));
      expect(heard).toBe(0);
      const added = store.transaction(async (u) => {
        u.outbox.add({ kind: 'ticket.create', incidentId: 'INC-000001', payload: {}, nextAttemptAt: T0 });
        return heard;
      });
      expect(await added).toBe(0); // not while the unit ran
      expect(heard).toBe(1);
      expect(await store.read.outbox.pending()).toBe(1);
      await expect(store.transaction((u) => {
        u.outbox.add({ kind: 'ticket.create', incidentId: 'INC-000002', payload: {}, nextAttemptAt: T0 });
        throw new Error('half-way');
      })).rejects.toThrow('half-way');
      expect(heard).toBe(1);
    }));

    it('stores maintenance windows, meta values and the audit trail', withStore(async ({ store }) => {
      await tx(store, (u) => {
        u.maintenance.put({ id: 'mw-1', serverId: 'srv-1', customerId: null, component: null, startsAt: T0, endsAt: '2026-11-25T12:00:00.000Z', reason: 'patching', createdBy: 'l2', createdAt: T0 });
        u.meta.put('consoles', { sim: { up: true } });
        u.audit.append({ at: T0, incidentId: 'INC-000001', actor: { kind: 'user', name: 'l2-desk', role: 'l2' }, action: 'acknowledged' });
        u.audit.append({ at: '2026-11-25T11:00:00.000Z', incidentId: 'INC-000001', actor: { kind: 'system', name: 'escalatord' }, action: 'resolved' });
      });
      expect((await store.read.maintenance.list()).map((w) => w.id)).toEqual(['mw-1']);
      expect(await store.read.meta.get('consoles')).toEqual({ sim: { up: true } });
      const audit = await store.read.audit.range({ since: '2026-11-25T00:00:00.000Z', until: '2026-11-26T00:00:00.000Z', limit: 10 });
      expect(audit.map((a) => a.action)).toEqual(['acknowledged', 'resolved']);
      expect(audit[1].id).toBeGreaterThan(audit[0].id);
      expect((await store.read.audit.range({ since: '2026-11-25T10:30:00.000Z', until: '2026-11-26T00:00:00.000Z', limit: 10 })).map((a) => a.action)).toEqual(['resolved']);
      await tx(store, (u) => u.maintenance.delete('mw-1'));
      expect(await store.read.maintenance.list()).toEqual([]);
    }));

    it('keeps audit entries of staff changes that concern no incident, without an incident id', withStore(async (f) => {
      const change = { at: T0, actor: { kind: 'user', name: 'l2-desk', role: 'l2' }, action: 'maintenance.created', note: 'patching', data: { windowId: 'mw-1' } };
      await tx(f.store, (u) => u.audit.append(change));
      const read = async (s: Store) => s.read.audit.range({ since: '2026-11-25T00:00:00.000Z', until: '2026-11-26T00:00:00.000Z', limit: 10 });
      const [entry] = await read(f.store);
      expect(entry).toEqual({ id: entry.id, ...change });
      expect('incidentId' in entry).toBe(false);
      if (!f.reopen) return;
      await f.store.close();
      const again = f.reopen();
      await again.open();
      try {
        expect(await read(again)).toEqual([entry]);
      } finally {
        await again.close();
      }
    }));

    it('expires dedup keys, old events and old audit entries by index, leaving the live ones', withStore(async ({ store }) => {
      await tx(store, async (u) => {
        for (let i = 0; i < 50; i++) await u.dedup.claim(`old-${i}`, '2026-11-25T09:00:00.000Z');
        for (let i = 0; i < 5; i++) await u.dedup.claim(`live-${i}`, '2026-11-26T09:00:00.000Z');
        for (let i = 0; i < 30; i++) u.events.append({ type: 'component.changed', data: { i } });
        u.audit.append({ at: '2026-01-01T00:00:00.000Z', incidentId: 'INC-000001', actor: { kind: 'system', name: 'x' }, action: 'old' });
        u.audit.append({ at: T0, incidentId: 'INC-000001', actor: { kind: 'system', name: 'x' }, action: 'new' });
      });
      const first = await store.housekeeping(new Date(T0), { keepEvents: 10, auditBefore: '2026-06-01T00:00:00.000Z', limit: 20 });
      expect(first.dedupExpired).toBe(20);
      const second = await store.housekeeping(new Date(T0), { keepEvents: 10, auditBefore: '2026-06-01T00:00:00.000Z', limit: 1000 });
      expect(second.dedupExpired).toBe(30);
      expect(await store.read.dedup.count()).toBe(5);
      expect(await store.read.dedup.has('live-0')).toBe(true);
      expect(await store.read.events.since(0, 100)).toBeNull();
      expect((await store.read.events.since(20, 100))?.length).toBe(10);
      expect((await store.read.audit.range({ since: '2000-01-01T00:00:00.000Z', until: '2100-01-01T00:00:00.000Z', limit: 10 })).map((a) => a.action)).toEqual(['new']);
    }));

    it('keeps everything committed across a reopen', async () => {
      const f = await make();
      if (!f.reopen) {
        await f.cleanup?.();
        return;
      }
      try {
        await f.store.open();
        await tx(f.store, async (u) => {
          u.servers.put(server('srv-1'));
          u.incidents.put(incident(await u.incidents.nextId()));
          u.events.append({ type: 'incident.created', data: { incidentId: 'INC-000001' } });
          u.outbox.add({ kind: 'ticket.create', incidentId: 'INC-000001', payload: { reason: 'x' }, nextAttemptAt: T0 });
          await u.dedup.claim('wh-1', '2026-12-01T00:00:00.000Z');
          u.meta.put('k', { v: 1 });
        });
        await f.store.close();
        const again = f.reopen();
        await again.open();
        try {
          expect((await again.read.servers.get('srv-1'))?.id).toBe('srv-1');
          expect((await again.read.incidents.openFor('srv-1', 'backup'))?.id).toBe('INC-000001');
          expect(await again.read.events.latestSeq()).toBe(1);
          expect(await again.read.outbox.pending()).toBe(1);
          expect(await again.read.dedup.has('wh-1')).toBe(true);
          expect(await again.read.meta.get('k')).toEqual({ v: 1 });
          // Ids keep counting after a restart.
          expect(await tx(again, (u) => u.incidents.nextId())).toBe('INC-000002');
        } finally {
          await again.close();
        }
      } finally {
        await f.store.close();
        await f.cleanup?.();
      }
    });
  });
}

async function waitUntil(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
