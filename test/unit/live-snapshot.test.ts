// The live feed's hello snapshot (src/live/snapshot.ts): what the page builds its first paint from. It
// carries the daemon's clock, so the page counts SLA clocks down from the daemon's time, and no customer
// names: the page reads those (with the contacts) from GET /api/v1/customers, the one source of them.
import { describe, expect, it } from 'vitest';
import { buildSnapshot } from '../../src/live/snapshot.js';
import type { StoreReader } from '../../src/store/port.js';

const read = {
  incidents: { open: async () => [] },
  servers: { all: async () => [] },
} as unknown as StoreReader;

describe('buildSnapshot', () => {
  it('says when it was built by the daemon\'s clock, however far that is from the machine\'s', async () => {
    const daemonNow = new Date(Date.now() + 16 * 60_000);
    const snapshot = await buildSnapshot(read, [], () => daemonNow);
    expect(snapshot.at).toBe(daemonNow.toISOString());
  });

  it('sends no customers: the page names them from the customers route', async () => {
    const snapshot = await buildSnapshot(read, [], () => new Date());
    expect(snapshot).not.toHaveProperty('customers');
  });
});
