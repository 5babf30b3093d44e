// The event feed hands this instance's own numbered events to its listeners directly. The NOTIFY of its
// own pass often arrives before the pass's answer does; the feed then waits for that pass instead of
// reading the same events back from the log (a query per numbering pass, about half of them, under load).
import { EventEmitter } from 'node:events';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { LoggedEvent } from '../../src/domain/types.js';
import { EventFeed } from '../../src/store/postgres/event-feed.js';
import { EVENTS_CHANNEL } from '../../src/store/postgres/sequencer.js';

const event = (seq: number): LoggedEvent => ({ seq, type: 'console.down', data: { seq }, at: '2026-11-25T10:00:00.000Z' });

function rig() {
  const log: LoggedEvent[] = [];
  const reads: number[] = [];
  const client = Object.assign(new EventEmitter(), { query: async () => ({ rows: [] }), end: async () => undefined });
  let pass: { promise: Promise<void>; resolve: () => void } | undefined;
  const feed = new EventFeed({
    connect: async () => client as unknown as pg.Client,
    read: async (from, limit) => {
      reads.push(from);
      return log.filter((e) => e.seq > from).slice(0, limit);
    },
    pollMs: 60_000,
    onError: (err) => {
      throw err;
    },
    localPass: () => pass?.promise,
  });
  const heard: number[] = [];
  feed.onEvents((events) => heard.push(...events.map((e) => e.seq)));
  return {
    feed, log, reads, heard,
    notify: (seq: number) => client.emit('notification', { channel: EVENTS_CHANNEL, payload: String(seq) }),
    startPass() {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      pass = { promise, resolve };
      return () => {
        pass = undefined;
        resolve();
      };
    },
  };
}

describe('the postgres event feed', () => {
  it('does not read back what its own pass is about to hand over when that pass\'s NOTIFY comes first', async () => {
    const r = rig();
    await r.feed.start(0);
    const readsAtStart = r.reads.length;
    const endPass = r.startPass();
    r.log.push(event(1), event(2));
    r.notify(2); // the notification overtakes the pass's answer
    await new Promise((res) => setTimeout(res, 10));
    await r.feed.deliverOwn([event(1), event(2)]);
    endPass();
    await new Promise((res) => setTimeout(res, 10));
    expect(r.heard).toEqual([1, 2]);
    expect(r.reads.length).toBe(readsAtStart);
    await r.feed.stop();
  });

  it('still reads what another instance numbered, after its own pass', async () => {
    const r = rig();
    await r.feed.start(0);
    const endPass = r.startPass();
    r.log.push(event(1), event(2), event(3));
    r.notify(3); // 3 is another instance's
    await r.feed.deliverOwn([event(1), event(2)]);
    endPass();
    await new Promise((res) => setTimeout(res, 10));
    expect(r.heard).toEqual([1, 2, 3]);
    await r.feed.stop();
  });
});
