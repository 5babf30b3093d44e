// Exact timers for SLA and management instants (a leader job): one job per open incident at its next
// wake-up, on the Scheduler port, rebuilt from the store whenever this instance starts leading. An
// instant already past (nobody led while it came due) fires at once.
import type { Logger } from 'pino';
import { TimerScheduler, type Scheduler } from '../cluster/scheduler.js';
import type { Incident } from '../domain/types.js';
import type { StoreReader } from '../store/port.js';

export interface SlaSchedulerDeps {
  read: StoreReader;
  nextWake: (incident: Incident) => Date | null;
  wake: (incidentId: string) => Promise<void>;
  now: () => Date;
  logger: Logger;
  /** How long after a failed wake-up it is tried again (default 5 s). */
  retryMs?: number;
}

export class SlaScheduler {
  private scheduler: Scheduler | null = null;
  private readonly timers = new Set<string>();

  constructor(private readonly deps: SlaSchedulerDeps) {}

  /**
   * Rebuilds every timer from the store on `scheduler` (the leader's, for this reign; by default one of
   * its own on the injected clock). Safe to call again after stop().
   */
  async start(scheduler: Scheduler = new TimerScheduler({ now: this.deps.now })): Promise<void> {
    if (this.scheduler) return;
    this.scheduler = scheduler;
    for (const incident of await this.deps.read.incidents.open()) {
      if (this.scheduler !== scheduler) return; // stopped meanwhile
      this.schedule(incident);
    }
  }

  /** Cancels every timer; start() may be called again (leadership comes back). */
  stop(): void {
    const s = this.scheduler;
    this.scheduler = null;
    for (const id of this.timers) s?.cancel(jobName(id));
    this.timers.clear();
  }

  /** Incidents with a timer set. */
  get scheduled(): number {
    return this.timers.size;
  }

  /** Reads the incident again and moves (or drops) its timer. */
  reschedule(incidentId: string): void {
    const s = this.scheduler;
    if (!s) return;
    this.deps.read.incidents.get(incidentId).then((incident) => {
      if (this.scheduler !== s) return;
      if (!incident) this.cancel(incidentId);
      else this.schedule(incident);
    }, (err: unknown) => this.deps.logger.error({ err, incident: incidentId }, 'could not read the incident to schedule its SLA timer'));
  }

  private schedule(incident: Incident): void {
    const s = this.scheduler;
    if (!s) return;
    const id = incident.id;
    const at = this.deps.nextWake(incident);
    if (!at) return this.cancel(id);
    this.timers.add(id);
    s.at(jobName(id), at, async () => {
      this.timers.delete(id);
      try {
        await this.deps.wake(id);
      } catch (err) {
        const retryMs = this.deps.retryMs ?? 5000;
        this.deps.logger.error({ err, incident: id, retryMs }, `SLA wake-up failed; retrying in ${retryMs / 1000} s`);
        if (this.scheduler !== s) return;
        this.timers.add(id);
        // A job of its own: the scheduler skips a job whose previous run (this one) may still be going.
        s.at(`sla-retry:${id}`, new Date(s.now().getTime() + retryMs), () => this.reschedule(id));
      }
    });
  }

  private cancel(incidentId: string): void {
    this.scheduler?.cancel(jobName(incidentId));
    this.timers.delete(incidentId);
  }
}

const jobName = (incidentId: string) => `sla:${incidentId}`;
