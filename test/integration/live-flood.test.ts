// A viewer must not be able to freeze the daemon through its live connection: client messages are
// rate-limited per connection (the excess closes it with 1008) and a resume is bounded work.
import { afterEach, describe, expect, test } from 'vitest';
import { connect, startHub, type Harness, type TestClient } from './live-harness.js';

let h: Harness | undefined;
const clients: TestClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await h?.close();
  h = undefined;
});

describe('a client flooding the live feed', () => {
  test('100,000 resume frames: the connection is closed with 1008 after the burst, the hub does a burst of work, and /healthz keeps answering', async () => {
    // A frozen clock: the budget never refills, so how much work the hub does is exact.
    h = await startHub({ clientMessages: { perSecond: 10, burst: 20 }, now: () => 0, logCapacity: 10_000 });
    for (let i = 0; i < 10_000; i++) h.log.append('component.changed', { serverId: `srv-${i % 50}` });
    const since = h.log.since.bind(h.log);
    let lookups = 0;
    h.log.since = (fromSeq) => {
      lookups++;
      return since(fromSeq);
    };
    const flooder = await connect(h.url);
    clients.push(flooder);
    const frame = JSON.stringify({ type: 'resume', fromSeq: h.log.latestSeq() });
    for (let i = 0; i < 100_000; i++) flooder.ws.send(frame);

    const started = performance.now();
    const health = await fetch(`${h.httpUrl}/healthz`);
    const healthMs = performance.now() - started;
    expect(health.status).toBe(200);
    expect((await flooder.closed).code).toBe(1008);
    expect(lookups).toBeLessThanOrEqual(20);
    expect(await h.metric('escalatord_ws_dropped_clients_total', { reason: 'flood' })).toBe(1);
    // Generous: before the limit, this flood kept /healthz waiting for tens of seconds.
    expect(healthMs).toBeLessThan(5_000);
  }, 60_000);

  test('a client within its budget keeps its connection, and others are not affected by a flooder', async () => {
    let now = 0;
    h = await startHub({ clientMessages: { perSecond: 10, burst: 5 }, now: () => now });
    const calm = await connect(h.url);
    const flooder = await connect(h.url);
    clients.push(calm, flooder);
    for (let i = 0; i < 5; i++) calm.send({ type: 'subscribe', filter: { levels: [3] } });
    await calm.waitFor((ms) => ms.filter((m) => m.type === 'subscribed').length === 5);
    now += 1_000; // ten more tokens, capped at the burst of five
    for (let i = 0; i < 5; i++) calm.send({ type: 'subscribe', filter: {} });
    await calm.waitFor((ms) => ms.filter((m) => m.type === 'subscribed').length === 10);
    for (let i = 0; i < 50; i++) flooder.send({ type: 'subscribe', filter: {} });
    expect((await flooder.closed).code).toBe(1008);
    h.emit('component.changed', { serverId: 'srv-1' });
    await calm.waitFor(() => calm.events.length === 1);
    expect(h.hub.clientCount).toBe(1);
  });
});
