// The Scheduler for tests: a clock that moves only when the test says so. `advance(ms)` walks time
// forward and runs every job that comes due on the way, in due order (ties in the order they were
// first scheduled), each at its own instant — no real sleeps, no timers. Jobs that only wait on promises
// (the memory store, fakes) finish before the next job runs; a run still waiting on something real
// after that is left going, so the skip-while-running rule can be observed, and `idle()` waits for it.
import { JobRuns, type EveryOptions, type JobFn, type Scheduler, type SchedulerOptions } from './scheduler.js';

interface FakeJob {
  name: string;
  fn: JobFn;
  dueAt: number;
  /** Order among jobs due at the same instant: when the job was scheduled. */
  order: number;
  intervalMs?: number;
  jitterMs?: number;
}

export class FakeScheduler implements Scheduler {
  private clock: number;
  private readonly jobs = new Map<string, FakeJob>();
  private readonly runs: JobRuns;
  private readonly random: () => number;
  private order = 0;
  private stopped = false;

  constructor(start: Date | string = '2026-01-05T09:00:00.000Z', opts: Omit<SchedulerOptions, 'now'> = {}) {
    this.clock = new Date(start).getTime();
    // No jitter unless a test asks for it: due instants are then exact.
    this.random = opts.random ?? (() => 0);
    this.runs = new JobRuns(opts);
  }

  now(): Date {
    return new Date(this.clock);
  }

  every(name: string, intervalMs: number, fn: JobFn, opts: EveryOptions = {}): void {
    if (this.stopped) return;
    const job: FakeJob = { name, fn, dueAt: this.clock + this.interval(intervalMs, opts.jitterMs), order: this.order++, intervalMs, jitterMs: opts.jitterMs };
    this.jobs.set(name, job);
    if (opts.immediately) this.runs.run(name, fn);
  }

  at(name: string, when: Date, fn: JobFn): void {
    if (this.stopped) return;
    this.jobs.set(name, { name, fn, dueAt: Math.max(when.getTime(), this.clock), order: this.order++ });
  }

  cancel(name: string): void {
    this.jobs.delete(name);
  }

  cancelAll(): void {
    this.jobs.clear();
  }

  has(name: string): boolean {
    return this.jobs.has(name);
  }

  names(): string[] {
    return [...this.jobs.keys()];
  }

  /** When each job is next due, earliest first. */
  pending(): Array<{ name: string; dueAt: Date }> {
    return [...this.jobs.values()].sort(byDue).map((j) => ({ name: j.name, dueAt: new Date(j.dueAt) }));
  }

  isRunning(name: string): boolean {
    return this.runs.isRunning(name);
  }

  /** Moves the clock forward by `ms`, running what comes due on the way. */
  async advance(ms: number): Promise<void> {
    await this.advanceTo(new Date(this.clock + ms));
  }

  async advanceTo(target: Date): Promise<void> {
    const end = target.getTime();
    for (;;) {
      const next = [...this.jobs.values()].filter((j) => j.dueAt <= end).sort(byDue)[0];
      if (!next) break;
      this.clock = Math.max(this.clock, next.dueAt);
      // Rescheduled (or removed) before it runs, so the run may cancel or replace its own job.
      if (next.intervalMs !== undefined) next.dueAt += this.interval(next.intervalMs, next.jitterMs);
      else this.jobs.delete(next.name);
      const run = this.runs.run(next.name, next.fn);
      if (run) await Promise.race([run, macrotask()]);
    }
    this.clock = Math.max(this.clock, end);
  }

  /** Runs what is due now without moving the clock. */
  runDue(): Promise<void> {
    return this.advance(0);
  }

  /** Waits for every run still going. */
  idle(): Promise<void> {
    return this.runs.idle();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelAll();
    await this.runs.idle();
  }

  private interval(ms: number, jitterMs = 0): number {
    return Math.max(1, ms + Math.floor(this.random() * jitterMs));
  }
}

const byDue = (a: FakeJob, b: FakeJob) => a.dueAt - b.dueAt || a.order - b.order;
// Every promise chain that needs no I/O has settled by the time a macrotask runs.
const macrotask = () => new Promise<void>((r) => setImmediate(r));
