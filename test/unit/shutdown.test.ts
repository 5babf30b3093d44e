// runShutdown: the daemon's stop runs each step in order, and a step that throws (or rejects) is logged
// and returned while every later step still runs — a store must be flushed whatever failed before it.
import { describe, expect, it } from 'vitest';
import { runShutdown } from '../../src/wiring/shutdown.js';

describe('runShutdown', () => {
  it('runs every step in order, past a step that throws and one that rejects, and returns both failures', async () => {
    const ran: string[] = [];
    const warned: Array<{ step: string }> = [];
    const boom = new Error('boom');
    const failures = await runShutdown([
      { name: 'jobs', run: () => void ran.push('jobs') },
      { name: 'leadership', run: () => { ran.push('leadership'); throw boom; } },
      { name: 'server', run: async () => { await new Promise((r) => setImmediate(r)); ran.push('server'); } },
      { name: 'notifier', run: () => { ran.push('notifier'); return Promise.reject(new Error('smtp gone')); } },
      { name: 'store', run: () => void ran.push('store') },
    ], { warn: (obj: { step: string }) => void warned.push(obj) } as never);
    expect(ran).toEqual(['jobs', 'leadership', 'server', 'notifier', 'store']);
    expect(failures.map((f) => f.step)).toEqual(['leadership', 'notifier']);
    expect(failures[0].err).toBe(boom);
    expect(warned.map((w) => w.step)).toEqual(['leadership', 'notifier']);
  });

  it('waits for each step before the next: a slow step is not overtaken', async () => {
    const ran: string[] = [];
    await runShutdown([
      { name: 'slow', run: () => new Promise<void>((r) => setTimeout(() => { ran.push('slow'); r(); }, 20)) },
      { name: 'next', run: () => void ran.push('next') },
    ], { warn: () => undefined } as never);
    expect(ran).toEqual(['slow', 'next']);
  });
});
