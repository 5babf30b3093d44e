// The Scheduler port: named jobs on one clock. The poller, the SLA and management timers, the sweeper,
// the contacts refresh and the dispatcher run on it, so tests drive time with FakeScheduler instead of
// sleeping, and LeaderJobs can stop every job of a deposed leader at once.
// Rules every implementation keeps (Unleash's scheduler is the model):
// - a name names one job: scheduling a name again replaces the job of that name;
// - a run is skipped while the previous run of the same job is still going (no pile-up behind a slow
//   console or database);
// - a job that throws or rejects is reported to `onError` and keeps its schedule;
// - `cancel` stops future runs at once (synchronously); a run in progress finishes.
import schedule from 'node-schedule';

export type JobFn = () => void | Promise<void>;

export interface EveryOptions {
  /** Each interval is lengthened by a random 0…jitterMs, so instances and jobs do not fire in step. */
  jitterMs?: number;
  /** Run once now as well (default: the first run is one interval away). */
  immediately?: boolean;
}

export interface Scheduler {
  /** The clock the jobs run on. */
  now(): Date;
  every(name: string, intervalMs: number, fn: JobFn, opts?: EveryOptions): void;
  /** Runs `fn` once at `when` (at once if `when` has passed). */
  at(name: string, when: Date, fn: JobFn): void;
  cancel(name: string): void;
  cancelAll(): void;
  has(name: string): boolean;
  /** Names of the jobs scheduled. */
  names(): string[];
  /** Cancels everything and waits for the runs in progress. Safe to call twice. */
  stop(): Promise<void>;
}

export interface SchedulerOptions {
  now?: () => Date;
  /** 0 ≤ x < 1, for jitter (default Math.random). */
  random?: () => number;
  onError?: (err: unknown, job: string) => void;
  /** Every finished run with its duration (for a metric or a debug log). */
  onRun?: (job: string, seconds: number) => void;
  /** A run skipped because the previous one was still going. */
  onSkip?: (job: string) => void;
}

/** One job's bookkeeping, shared by the real and the fake scheduler. */
export class JobRuns {
  private readonly running = new Map<string, Promise<void>>();

  constructor(private readonly opts: SchedulerOptions) {}

  /** Starts a run of `name` (on the next microtask) unless one is going; returns it, or undefined when skipped. */
  run(name: string, fn: JobFn): Promise<void> | undefined {
    if (this.running.has(name)) {
      this.opts.onSkip?.(name);
      return undefined;
    }
    const started = process.hrtime.bigint();
    const run = Promise.resolve()
      .then(fn)
      .catch((err: unknown) => this.opts.onError?.(err, name))
      .finally(() => {
        this.running.delete(name);
        this.opts.onRun?.(name, Number(process.hrtime.bigint() - started) / 1e9);
      });
    this.running.set(name, run);
    return run;
  }

  isRunning(name: string): boolean {
    return this.running.has(name);
  }

  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()]);
  }
}

interface Timer {
  cancel(): void;
}

const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** The production scheduler: setTimeout for intervals and instants, node-schedule for instants weeks away. */
export class TimerScheduler implements Scheduler {
  private readonly jobs = new Map<string, Timer>();
  private readonly runs: JobRuns;
  private readonly clock: () => Date;
  private readonly random: () => number;
  private stopped: Promise<void> | undefined;

  constructor(opts: SchedulerOptions = {}) {
    this.clock = opts.now ?? (() => new Date());
    this.random = opts.random ?? Math.random;
    this.runs = new JobRuns(opts);
  }

  now(): Date {
    return this.clock();
  }

  every(name: string, intervalMs: number, fn: JobFn, opts: EveryOptions = {}): void {
    if (this.stopped) return;
    this.cancel(name);
    let timer: NodeJS.Timeout | undefined;
    const job: Timer = { cancel: () => clearTimeout(timer) };
    const arm = () => {
      timer = setTimeout(() => {
        if (this.jobs.get(name) !== job) return;
        this.runs.run(name, fn);
        arm();
      }, intervalMs + this.random() * (opts.jitterMs ?? 0));
      timer.unref();
    };
    this.jobs.set(name, job);
    arm();
    if (opts.immediately) this.runs.run(name, fn);
  }

  at(name: string, when: Date, fn: JobFn): void {
    if (this.stopped) return;
    this.cancel(name);
    const fire = () => {
      if (this.jobs.get(name) !== job) return;
      this.jobs.delete(name);
      this.runs.run(name, fn);
    };
    let job: Timer;
    const delay = when.getTime() - this.clock().getTime();
    if (delay <= MAX_TIMEOUT_MS) {
      const timer = setTimeout(fire, Math.max(0, delay));
      timer.unref();
      job = { cancel: () => clearTimeout(timer) };
    } else {
      // setTimeout cannot wait that long (24.8 days at most); node-schedule can. (It is not used for
      // near instants: it refuses a date less than about a second away.)
      const scheduled = schedule.scheduleJob(when, fire);
      job = { cancel: () => void scheduled?.cancel() };
    }
    this.jobs.set(name, job);
  }

  cancel(name: string): void {
    const job = this.jobs.get(name);
    if (!job) return;
    this.jobs.delete(name);
    job.cancel();
  }

  cancelAll(): void {
    for (const name of [...this.jobs.keys()]) this.cancel(name);
  }

  has(name: string): boolean {
    return this.jobs.has(name);
  }

  names(): string[] {
    return [...this.jobs.keys()];
  }

  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.cancelAll();
      await this.runs.idle();
    })();
    return this.stopped;
  }
}
