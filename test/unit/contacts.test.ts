// Management contacts: configuration by default, refreshed from the vendor's master copy when a URL is
// set, with the last good copy kept in the store as the fallback and a warning once it is stale.
import nock from 'nock';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { Contacts } from '../../src/escalation/contacts.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { Transactor } from '../../src/store/transactor.js';

const MASTER = 'http://portal.vendor.test';

function setup(masterUrl?: string) {
  const config = configSchema.parse({ management: { masterUrl, staleAfter: '1h' } }).management;
  const store = new MemoryStore();
  const lines: Array<{ msg: string }> = [];
  const logger = pino({ level: 'warn' }, { write: (l: string) => void lines.push(JSON.parse(l) as { msg: string }) });
  let now = new Date('2026-11-25T10:00:00Z');
  const transactor = new Transactor({ store, now: () => now });
  const make = () => new Contacts({ config, transactor, logger, now: () => now, timeoutMs: 30_000 });
  return { contacts: make(), make, store, lines, advance: (ms: number) => (now = new Date(now.getTime() + ms)) };
}

afterEach(() => nock.cleanAll());

describe('management contacts', () => {
  it('come from configuration when no master URL is set', async () => {
    const { contacts, store } = setup();
    await store.open();
    expect(contacts.step(2)?.title).toBe('Head of Support');
    expect(contacts.step(4)?.contact.email).toBe('chief-ops-architect@vendor.example');
    expect(await contacts.refresh()).toBe(false);
  });

  it('are replaced by the master copy, which is kept in the store as the fallback', async () => {
    const { contacts, make, store } = setup(MASTER);
    await store.open();
    nock(MASTER).get('/').reply(200, { steps: [{ step: 2, title: 'Head of Support', contact: { name: 'Dana Scully', email: 'dana@vendor.example' } }] });
    expect(await contacts.refresh()).toBe(true);
    expect(contacts.step(2)?.contact.name).toBe('Dana Scully');
    expect((await store.read.meta.get<{ steps: unknown[] }>('managementContacts'))?.steps).toHaveLength(1);
    // Another instance (or this one after a restart) loads the saved copy without asking the master.
    const other = make();
    expect(other.step(2)?.contact.name).not.toBe('Dana Scully');
    await other.load();
    expect(other.step(2)?.contact.name).toBe('Dana Scully');
  });

  it('keep the last good copy when the master cannot be read, and warn once it is stale', async () => {
    const { contacts, store, lines, advance } = setup(MASTER);
    await store.open();
    nock(MASTER).get('/').reply(200, { steps: [{ step: 2, title: 'Head of Support', contact: { name: 'Dana Scully' } }] });
    await contacts.refresh();
    nock(MASTER).get('/').reply(503);
    expect(await contacts.refresh()).toBe(false);
    expect(contacts.step(2)?.contact.name).toBe('Dana Scully');
    expect(lines.some((l) => l.msg.includes('could not refresh'))).toBe(true);
    expect(lines.some((l) => l.msg.includes('stale'))).toBe(false);
    advance(2 * 3_600_000);
    contacts.current();
    contacts.current();
    expect(lines.filter((l) => l.msg.includes('stale'))).toHaveLength(1);
  });

  it('refuse a master copy that does not have the expected shape', async () => {
    const { contacts, store } = setup(MASTER);
    await store.open();
    nock(MASTER).get('/').reply(200, { steps: [{ step: 9, title: 'CEO' }] });
    expect(await contacts.refresh()).toBe(false);
    expect(contacts.step(2)?.contact.email).toBe('head-of-support@vendor.example');
  });
});
