// The leader's jobs: a set of tasks started when this instance becomes leader and stopped, all of them,
// the moment it stops being leader. Each task gets a scheduler of its own for that reign; losing the
// lead cancels every job on it synchronously (inside the leadership listener, so before the lock can be
// taken elsewhere) and closes it, so a run still in flight cannot schedule anything more — a deposed
// leader's timers die with its reign, however they were started.
import type { Leadership } from './leadership.js';
import type { EveryOptions, JobFn, Scheduler } from './scheduler.js';

export interface LeaderTask {
  readonly name: string;
  /** Called when this instance becomes leader, with a scheduler whose jobs all end with the reign. */
  start(scheduler: Scheduler): void | Promise<void>;
  /**
   * Called synchronously when the reign ends, after the task's jobs are cancelled: stop side effects at
   * once (what this does before returning is the fence); a promise it returns is awaited before the
   * next reign starts.
   */
  stop?(): void | Promise<void>;
}

export interface LeaderJobsDeps {
  leadership: Pick<Leadership, 'isLeader' | 'onChange'>;
  scheduler: Scheduler;
  onError?: (err: unknown, task: string) => void;
}

export class LeaderJobs {
  private readonly tasks: LeaderTask[] = [];
  private reign: Reign | undefined;
  private chain: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly deps: LeaderJobsDeps) {}

  add(task: LeaderTask): this {
    this.tasks.push(task);
    return this;
  }

  /** A task that is one periodic job. */
  every(name: string, intervalMs: number, fn: JobFn, opts?: EveryOptions): this {
    return this.add({ name, start: (s) => s.every(name, intervalMs, fn, opts) });
  }

  /** True while the tasks of a reign are started (or starting). */
  get running(): boolean {
    return this.reign !== undefined;
  }

  /** Follows leadership from now on; starts the tasks at once if this instance already leads. Safe twice. */
  start(): void {
    if (this.unsubscribe) return;
    this.unsubscribe = this.deps.leadership.onChange((leader) => (leader ? this.begin() : this.end()));
    if (this.deps.leadership.isLeader) this.begin();
  }

  /** Stops the tasks and stops following leadership; resolves when every task has stopped. Safe twice. */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.end();
    await this.settled();
  }

  /** Resolves once every start and stop asked for so far has finished. */
  async settled(): Promise<void> {
    let seen: Promise<void>;
    do {
      seen = this.chain;
      await seen;
    } while (seen !== this.chain);
  }

  private begin(): void {
    if (this.reign) return;
    const reign = new Reign(this.deps.scheduler);
    this.reign = reign;
    this.chain = this.chain.then(async () => {
      for (const task of this.tasks) {
        if (reign.over) return;
        reign.started.push(task);
        try {
          await task.start(reign.scoped(task.name));
        } catch (err) {
          this.deps.onError?.(err, task.name);
        }
      }
    });
  }

  /** Synchronous: every job of the reign is cancelled and every started task told before this returns. */
  private end(): void {
    const reign = this.reign;
    if (!reign) return;
    this.reign = undefined;
    reign.close();
    const stopping: Array<Promise<unknown>> = [];
    for (const task of [...reign.started].reverse()) {
      try {
        const p = task.stop?.();
        if (p) stopping.push(Promise.resolve(p).catch((err: unknown) => this.deps.onError?.(err, task.name)));
      } catch (err) {
        this.deps.onError?.(err, task.name);
      }
    }
    this.chain = this.chain.then(async () => {
      await Promise.allSettled(stopping);
    });
  }
}

/** One period of leadership: the tasks it started and the jobs they scheduled. */
class Reign {
  over = false;
  readonly started: LeaderTask[] = [];
  private readonly names = new Set<string>();

  constructor(private readonly scheduler: Scheduler) {}

  /** The scheduler a task sees: its job names prefixed with the task's, and closed when the reign ends. */
  scoped(prefix: string): Scheduler {
    const s = this.scheduler;
    const full = (name: string) => `${prefix}:${name}`;
    const mine = () => [...this.names].filter((n) => n.startsWith(`${prefix}:`));
    return {
      now: () => s.now(),
      every: (name, intervalMs, fn, opts) => {
        if (this.over) return;
        this.names.add(full(name));
        s.every(full(name), intervalMs, fn, opts);
      },
      at: (name, when, fn) => {
        if (this.over) return;
        const n = full(name);
        this.names.add(n);
        // A one-off job leaves the reign's list when it fires (a reign may set thousands of SLA wakes).
        s.at(n, when, () => {
          this.names.delete(n);
          return fn();
        });
      },
      cancel: (name) => {
        this.names.delete(full(name));
        s.cancel(full(name));
      },
      cancelAll: () => {
        for (const n of mine()) {
          this.names.delete(n);
          s.cancel(n);
        }
      },
      has: (name) => s.has(full(name)),
      names: () => mine().filter((n) => s.has(n)).map((n) => n.slice(prefix.length + 1)),
      // A task does not stop the shared scheduler; the end of the reign cancels its jobs.
      stop: async () => {
        for (const n of mine()) s.cancel(n);
      },
    };
  }

  close(): void {
    this.over = true;
    for (const n of this.names) this.scheduler.cancel(n);
    this.names.clear();
  }
}
