// SlaScheduler on its Scheduler port (TimerScheduler) over vitest's fake clock (Date and setTimeout are
// faked; a timer due now runs on advance(0), without the clock moving), over the memory engine: one timer per open incident at the instant its nextWake names, rebuilt
// from the store at start, moved by reschedule, all cancelled by stop. No real sleeps.
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Incident } from '../../src/domain/types.js';
import { FakeScheduler } from '../../src/cluster/fake-scheduler.js';
import { SlaScheduler } from '../../src/escalation/sla-scheduler.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { incident } from '../helpers/store-conformance.js';

const T0 = Date.parse('2026-11-25T10:00:00.000Z');
const at = (offsetMs: number) => new Date(T0 + offsetMs).toISOString();

interface World {
  store: MemoryStore;
  scheduler: SlaScheduler;
  /** Every wake-up: the incident and when it came, in ms after T0 on the fake clock. */
  woken: Array<{ id: string; at: number }>;
  logged: string[];
  /** Incidents whose wake-up throws. */
  failWake: Set<string>;
  /** Stores an incident whose next wake-up is `wakeAtMs` after T0 (null: none). */
  put(id: string, wakeAtMs: number | null, extra?: Partial<Incident>): Promise<void>;
}

/** The nextWake the test controls: the incident's `title` carries the instant (or "none"). */
const nextWake = (i: Incident): Date | null => (i.status === 'resolved' || i.title === 'none' ? null : new Date(i.title));

async function world(): Promise<World> {
  const store = new MemoryStore();
  await store.open();
  const woken: World['woken'] = [];
  const logged: string[] = [];
  const failWake = new Set<string>();
  const scheduler = new SlaScheduler({
    read: store.read,
    nextWake,
    now: () => new Date(),
    wake: async (id) => {
      woken.push({ id, at: Date.now() - T0 });
      if (failWake.has(id)) throw new Error('store unavailable');
    },
    logger: pino({ level: 'error' }, { write: (l: string) => void logged.push((JSON.parse(l) as { msg: string }).msg) }),
  });
  return {
    store, scheduler, woken, logged, failWake,
    put: (id, wakeAtMs, extra = {}) => store.transaction((u) => u.incidents.put(incident(id, { component: id, title: wakeAtMs === null ? 'none' : at(wakeAtMs), ...extra }))),
  };
}

/** Moves the fake clock, running every timer and the promise chains they start. */
const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms);
/** Lets reads and "at once" wake-ups (real setImmediate) run without moving the clock. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await new Promise<void>((r) => setImmediate(r));
    // A timer due now (0 ms) runs without the clock moving.
    await vi.advanceTimersByTimeAsync(0);
  }
}

describe('SlaScheduler', () => {
  let w: World;
  beforeEach(async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'], now: T0 });
    w = await world();
  });
  afterEach(() => {
    w.scheduler.stop();
    vi.useRealTimers();
  });

  it('wakes each open incident exactly at the instant its next wake-up names, and not before', async () => {
    await w.put('INC-000001', 5_000);
    await w.put('INC-000002', 2_000);
    await w.put('INC-000003', null);
    await w.put('INC-000004', 1_000, { status: 'resolved', resolvedAt: at(0) });
    await w.scheduler.start();
    expect(w.scheduler.scheduled).toBe(2);

    await advance(1_999);
    expect(w.woken).toEqual([]);
    await advance(1);
    expect(w.woken).toEqual([{ id: 'INC-000002', at: 2_000 }]);
    await advance(3_000);
    expect(w.woken).toEqual([{ id: 'INC-000002', at: 2_000 }, { id: 'INC-000001', at: 5_000 }]);
    expect(w.scheduler.scheduled).toBe(0);
  });

  it('fires at once, on start, what came due while nobody was watching', async () => {
    vi.setSystemTime(T0 + 60_000);
    await w.put('INC-000001', 5_000);
    await w.put('INC-000002', 120_000);
    await w.scheduler.start();
    await settle();
    expect(w.woken).toEqual([{ id: 'INC-000001', at: 60_000 }]);
    await advance(60_000);
    expect(w.woken.map((x) => x.id)).toEqual(['INC-000001', 'INC-000002']);
  });

  it('moves a timer to the incident\'s new instant on reschedule, and drops it once the incident needs none', async () => {
    await w.put('INC-000001', 5_000);
    await w.scheduler.start();
    await w.put('INC-000001', 8_000);
    w.scheduler.reschedule('INC-000001');
    await settle();
    await advance(7_999);
    expect(w.woken).toEqual([]);
    await advance(1);
    expect(w.woken).toEqual([{ id: 'INC-000001', at: 8_000 }]);

    await w.put('INC-000001', 20_000);
    w.scheduler.reschedule('INC-000001');
    await settle();
    expect(w.scheduler.scheduled).toBe(1);
    await w.put('INC-000001', 20_000, { status: 'resolved', resolvedAt: at(9_000) });
    w.scheduler.reschedule('INC-000001');
    await settle();
    expect(w.scheduler.scheduled).toBe(0);
    w.scheduler.reschedule('INC-404404');
    await settle();
    await advance(60_000);
    expect(w.woken).toHaveLength(1);
  });

  it('schedules a new incident when told about it, but only while started', async () => {
    await w.put('INC-000001', 1_000);
    w.scheduler.reschedule('INC-000001');
    await advance(5_000);
    expect(w.woken).toEqual([]);
    expect(w.scheduler.scheduled).toBe(0);

    // Started, it finds the one it was not allowed to schedule (now past due) and fires it at once.
    await w.scheduler.start();
    await w.put('INC-000002', 9_000);
    w.scheduler.reschedule('INC-000002');
    await settle();
    expect(w.woken).toEqual([{ id: 'INC-000001', at: 5_000 }]);
    expect(w.scheduler.scheduled).toBe(1);
    await advance(4_000);
    expect(w.woken.map((x) => x.id)).toEqual(['INC-000001', 'INC-000002']);
  });

  it('cancels every timer on stop and rebuilds them from the store on the next start', async () => {
    await w.put('INC-000001', 5_000);
    await w.put('INC-000002', 10_000);
    await w.scheduler.start();
    await w.scheduler.start();
    expect(w.scheduler.scheduled).toBe(2);
    w.scheduler.stop();
    w.scheduler.stop();
    expect(w.scheduler.scheduled).toBe(0);
    await advance(6_000);
    expect(w.woken).toEqual([]);
    w.scheduler.reschedule('INC-000002');
    await settle();
    expect(w.scheduler.scheduled).toBe(0);

    // Leadership comes back: the past-due one fires at once, the other at its instant.
    await w.scheduler.start();
    await settle();
    expect(w.woken).toEqual([{ id: 'INC-000001', at: 6_000 }]);
    await advance(4_000);
    expect(w.woken).toEqual([{ id: 'INC-000001', at: 6_000 }, { id: 'INC-000002', at: 10_000 }]);
  });

  it('logs a failed wake-up and tries the incident again 5 s later', async () => {
    await w.put('INC-000001', 1_000);
    w.failWake.add('INC-000001');
    await w.scheduler.start();
    await advance(1_000);
    expect(w.woken).toEqual([{ id: 'INC-000001', at: 1_000 }]);
    expect(w.logged).toEqual(['SLA wake-up failed; retrying in 5 s']);
    w.failWake.clear();
    await advance(4_999);
    expect(w.woken).toHaveLength(1);
    // The retry reads the incident again; its instant is past, so it fires at once.
    await advance(1);
    await settle();
    // fake-timers gives a 0 ms timer set while a timer runs 1 ms (its rule for timers set during a tick).
    await advance(1);
    expect(w.woken).toEqual([{ id: 'INC-000001', at: 1_000 }, { id: 'INC-000001', at: 6_001 }]);
  });
});

// As the daemon runs it: the leader's jobs hand their scheduler to start(). Here that is FakeScheduler,
// whose clock moves only on advance(): no fake timers, no real sleeps.
describe('SlaScheduler on the scheduler the leader hands it', () => {
  async function onFake() {
    const store = new MemoryStore();
    await store.open();
    const fake = new FakeScheduler(new Date(T0));
    const woken: Array<{ id: string; at: number }> = [];
    const failWake = new Set<string>();
    const scheduler = new SlaScheduler({
      read: store.read, nextWake, now: () => fake.now(), logger: pino({ level: 'silent' }), retryMs: 5_000,
      wake: async (id) => {
        woken.push({ id, at: fake.now().getTime() - T0 });
        if (failWake.has(id)) throw new Error('store unavailable');
      },
    });
    const put = (id: string, wakeAtMs: number | null, extra: Partial<Incident> = {}) =>
      store.transaction((u) => u.incidents.put(incident(id, { component: id, title: wakeAtMs === null ? 'none' : at(wakeAtMs), ...extra })));
    /** reschedule() reads the store before it sets the timer: let that read finish. */
    const settled = async () => {
      for (let i = 0; i < 3; i++) await new Promise<void>((r) => setImmediate(r));
    };
    return { store, fake, woken, failWake, scheduler, put, settled };
  }

  it('sets its timers on that scheduler and wakes each incident at its instant', async () => {
    const t = await onFake();
    await t.put('INC-000001', 90_000);
    await t.put('INC-000002', 30_000);
    await t.scheduler.start(t.fake);
    expect(t.fake.has('sla:INC-000001') && t.fake.has('sla:INC-000002')).toBe(true);
    await t.fake.advance(29_999);
    expect(t.woken).toEqual([]);
    await t.fake.advance(1);
    expect(t.woken).toEqual([{ id: 'INC-000002', at: 30_000 }]);
    await t.fake.advance(60_000);
    expect(t.woken.map((x) => x.id)).toEqual(['INC-000002', 'INC-000001']);
  });

  it('tries a failed wake-up again after retryMs on the same scheduler', async () => {
    const t = await onFake();
    await t.put('INC-000001', 1_000);
    t.failWake.add('INC-000001');
    await t.scheduler.start(t.fake);
    await t.fake.advance(1_000);
    expect(t.woken).toEqual([{ id: 'INC-000001', at: 1_000 }]);
    t.failWake.delete('INC-000001');
    await t.fake.advance(5_000);
    await t.settled();
    // The retry re-reads the incident: its instant (1 s) is past, so it fires at once.
    await t.fake.advance(0);
    expect(t.woken).toEqual([{ id: 'INC-000001', at: 1_000 }, { id: 'INC-000001', at: 6_000 }]);
  });

  it('leaves nothing on the scheduler when leadership goes, and rebuilds every timer when it comes back', async () => {
    const t = await onFake();
    await t.put('INC-000001', 10_000);
    await t.scheduler.start(t.fake);
    t.scheduler.stop();
    expect(t.fake.has('sla:INC-000001')).toBe(false);
    await t.fake.advance(20_000);
    expect(t.woken).toEqual([]);
    const next = new FakeScheduler(t.fake.now());
    await t.scheduler.start(next);
    await next.advance(0);
    expect(t.woken).toEqual([{ id: 'INC-000001', at: 20_000 }]);
  });
});
