// The Scheduler port: FakeScheduler drives time for tests, TimerScheduler runs the same rules on real
// timers and node-schedule.
import { describe, expect, it } from 'vitest';
import { FakeScheduler } from '../../src/cluster/fake-scheduler.js';
import { TimerScheduler } from '../../src/cluster/scheduler.js';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe('FakeScheduler', () => {
  it('runs every due job in due order, each at its own instant, as the clock advances', async () => {
    const s = new FakeScheduler('2026-01-05T09:00:00.000Z');
    const seen: string[] = [];
    const stamp = (name: string) => () => void seen.push(`${name}@${s.now().toISOString().slice(11, 19)}`);
    s.every('poll', 10_000, stamp('poll'));
    s.at('sla', new Date('2026-01-05T09:00:15.000Z'), stamp('sla'));
    s.every('sweep', 15_000, stamp('sweep'));
    await s.advance(30_000);
    expect(seen).toEqual(['poll@09:00:10', 'sla@09:00:15', 'sweep@09:00:15', 'poll@09:00:20', 'poll@09:00:30', 'sweep@09:00:30']);
    expect(s.now().toISOString()).toBe('2026-01-05T09:00:30.000Z');
    expect(s.has('sla')).toBe(false);
  });

  it('replaces a job scheduled again under the same name, and cancels by name', async () => {
    const s = new FakeScheduler();
    const seen: string[] = [];
    s.at('wake:INC-1', new Date(s.now().getTime() + 5_000), () => void seen.push('first'));
    s.at('wake:INC-1', new Date(s.now().getTime() + 8_000), () => void seen.push('second'));
    s.every('poll', 1_000, () => void seen.push('poll'));
    s.cancel('poll');
    await s.advance(10_000);
    expect(seen).toEqual(['second']);
  });

  it('runs a job whose instant has passed at once', async () => {
    const s = new FakeScheduler();
    let ran = 0;
    s.at('late', new Date(s.now().getTime() - 60_000), () => void ran++);
    await s.runDue();
    expect(ran).toBe(1);
  });

  it('skips a run while the previous run of the same job is still going', async () => {
    const skipped: string[] = [];
    const s = new FakeScheduler(undefined, { onSkip: (job) => skipped.push(job) });
    const gate = deferred();
    let started = 0;
    s.every('slow', 1_000, async () => {
      started++;
      await gate.promise;
    });
    await s.advance(3_000);
    expect(started).toBe(1);
    expect(skipped).toEqual(['slow', 'slow']);
    gate.resolve();
    await s.idle();
    await s.advance(1_000);
    expect(started).toBe(2);
  });

  it('keeps the schedule of a job that throws and reports the error', async () => {
    const errors: string[] = [];
    const s = new FakeScheduler(undefined, { onError: (err, job) => errors.push(`${job}: ${(err as Error).message}`) });
    let runs = 0;
    s.every('flaky', 1_000, () => {
      runs++;
      throw new Error('console down');
    });
    await s.advance(3_000);
    expect(runs).toBe(3);
    expect(errors).toEqual(['flaky: console down', 'flaky: console down', 'flaky: console down']);
  });

  it('lengthens intervals by the jitter it draws', async () => {
    const s = new FakeScheduler('2026-01-05T09:00:00.000Z', { random: () => 0.5 });
    const at: string[] = [];
    s.every('poll', 10_000, () => void at.push(s.now().toISOString().slice(14, 19)), { jitterMs: 2_000 });
    await s.advance(25_000);
    expect(at).toEqual(['00:11', '00:22']);
  });

  it('lets a run schedule a job that comes due within the same advance', async () => {
    const s = new FakeScheduler();
    const seen: string[] = [];
    s.at('first', new Date(s.now().getTime() + 1_000), () => {
      seen.push('first');
      s.at('second', new Date(s.now().getTime() + 1_000), () => void seen.push('second'));
    });
    await s.advance(5_000);
    expect(seen).toEqual(['first', 'second']);
  });

  it('schedules nothing after stop', async () => {
    const s = new FakeScheduler();
    await s.stop();
    s.every('poll', 1_000, () => undefined);
    expect(s.names()).toEqual([]);
    await s.stop();
  });
});

describe('TimerScheduler', () => {
  it('runs an interval job on real timers and stops it on cancel', async () => {
    const s = new TimerScheduler();
    let runs = 0;
    s.every('tick', 5, () => void runs++, { immediately: true });
    await new Promise((r) => setImmediate(r));
    expect(runs).toBe(1);
    await new Promise((r) => setTimeout(r, 60));
    s.cancel('tick');
    // A run its timer started just before the cancel still finishes (the contract): let it, then count.
    await new Promise((r) => setImmediate(r));
    const after = runs;
    expect(after).toBeGreaterThan(1);
    await new Promise((r) => setTimeout(r, 30));
    expect(runs).toBe(after);
    await s.stop();
  });

  it('fires a one-off job at its instant through node-schedule, and a past one at once', async () => {
    const s = new TimerScheduler();
    const fired: string[] = [];
    const done = deferred();
    s.at('soon', new Date(Date.now() + 20), () => {
      fired.push('soon');
      done.resolve();
    });
    s.at('past', new Date(Date.now() - 1_000), () => void fired.push('past'));
    expect(s.names().sort()).toEqual(['past', 'soon']);
    await done.promise;
    expect(fired).toEqual(['past', 'soon']);
    expect(s.names()).toEqual([]);
    await s.stop();
  });

  it('waits on stop for a run in progress and schedules nothing afterwards', async () => {
    const s = new TimerScheduler();
    const gate = deferred();
    let finished = false;
    s.every('slow', 1_000, async () => {
      await gate.promise;
      finished = true;
    }, { immediately: true });
    const stopping = s.stop();
    gate.resolve();
    await stopping;
    expect(finished).toBe(true);
    s.every('again', 1, () => undefined);
    expect(s.has('again')).toBe(false);
  });
});
