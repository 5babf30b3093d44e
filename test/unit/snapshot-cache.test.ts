// The hello snapshot cache: a greeting waits for a build that started after it asked; greetings that
// arrive together share one build; with nobody connected, events do not rebuild it every moment.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SnapshotCache } from '../../src/live/snapshot-cache.js';

function rig(interval: number) {
  let state = 0;
  let seq = 0;
  const builds: number[] = [];
  const gates: Array<() => void> = [];
  let gated = false;
  const cache = new SnapshotCache<number>({
    latestSeq: () => seq,
    build: async () => {
      builds.push(state);
      const value = state;
      if (gated) await new Promise<void>((r) => gates.push(r));
      return value;
    },
    minIntervalMs: () => interval,
    onError: (err) => {
      throw err;
    },
  });
  return {
    cache, builds, gates,
    set(v: number) { state = v; seq += 1; },
    gate(on: boolean) { gated = on; },
  };
}

afterEach(() => vi.useRealTimers());

describe('SnapshotCache', () => {
  it('answers fresh() with what the state is when it was asked, even with no invalidation', async () => {
    const r = rig(10_000);
    await r.cache.prime();
    r.set(7); // a change without an event: nobody called invalidate()
    expect(r.cache.get().snapshot).toBe(0);
    await r.cache.fresh();
    expect(r.cache.get()).toEqual({ seq: 1, snapshot: 7 });
  });

  it('makes callers that arrive during a build wait for the next one, and share it', async () => {
    const r = rig(10_000);
    await r.cache.prime();
    r.gate(true);
    const first = r.cache.fresh();
    await Promise.resolve();
    r.set(5); // changed while the first build runs: that build may have read it too early
    const a = r.cache.fresh();
    const b = r.cache.fresh();
    expect(a).toBe(b);
    r.gates.shift()!();
    await first;
    await vi.waitFor(() => expect(r.gates.length).toBe(1));
    r.gates.shift()!();
    await a;
    expect(r.cache.get().snapshot).toBe(5);
    expect(r.builds).toEqual([0, 0, 5]); // prime, the first fresh(), one shared build for a and b
  });

  it('rebuilds after an invalidation only once the interval has passed', async () => {
    vi.useFakeTimers();
    const r = rig(10_000);
    await r.cache.prime();
    r.set(1);
    r.cache.invalidate();
    r.set(2);
    r.cache.invalidate();
    await vi.advanceTimersByTimeAsync(9_999);
    expect(r.builds).toEqual([0]);
    await vi.advanceTimersByTimeAsync(1);
    expect(r.builds).toEqual([0, 2]);
    // fresh() does not wait for a pending timer: it builds at once and the timer is dropped.
    r.set(3);
    r.cache.invalidate();
    await r.cache.fresh();
    expect(r.cache.get().snapshot).toBe(3);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(r.builds).toEqual([0, 2, 3]);
  });

  it('stops only once the build in progress has ended, and builds nothing after (the store closes next)', async () => {
    const r = rig(0);
    await r.cache.prime();
    r.gate(true);
    r.set(1);
    r.cache.invalidate();
    await vi.waitFor(() => expect(r.gates.length).toBe(1));
    let stopped = false;
    const stopping = Promise.resolve(r.cache.stop()).then(() => void (stopped = true));
    r.set(2);
    r.cache.invalidate();
    await new Promise((res) => setTimeout(res, 20));
    expect(stopped).toBe(false);
    r.gates.shift()!();
    await stopping;
    await r.cache.fresh();
    await new Promise((res) => setTimeout(res, 20));
    expect(r.builds).toEqual([0, 1]);
  });
});
