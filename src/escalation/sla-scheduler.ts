// Exact timers for SLA and management instants: one node-schedule job per incident at its next wake-up,
// rebuilt from the store at start-up. An instant already past (the daemon was down) fires at once.
import schedule, { type Job } from 'node-schedule';
import type { Logger } from 'pino';
import type { Incident } from '../domain/types.js';
import type { StoreReader } from '../store/port.js';

export interface SlaSchedulerDeps {
  read: StoreReader;
  nextWake: (incident: Incident) => Date | null;
  wake: (incidentId: string) => Promise<void>;
  now: () => Date;
  logger: Logger;
}

export class SlaScheduler {
  private readonly jobs = new Map<string, Job | NodeJS.Immediate>();
  private started = false;
  private stopped = false;

  constructor(private readonly deps: SlaSchedulerDeps) {}

  /** Rebuilds every timer from the store: what came due while nobody watched fires at once. */
  async start(): Promise<void> {
    if (this.started && !this.stopped) return;
    this.started = true;
    this.stopped = false;
    for (const incident of await this.deps.read.incidents.open()) this.schedule(incident);
  }

  /** Cancels every timer; start() may be called again (leadership comes back). */
  stop(): void {
    this.stopped = true;
    for (const id of [...this.jobs.keys()]) this.cancel(id);
  }

  get scheduled(): number {
    return this.jobs.size;
  }

  reschedule(incidentId: string): void {
    if (!this.started || this.stopped) return;
    this.deps.read.incidents.get(incidentId).then((incident) => {
      if (!this.started || this.stopped) return;
      if (!incident) this.cancel(incidentId);
      else this.schedule(incident);
    }, (err: unknown) => this.deps.logger.error({ err, incident: incidentId }, 'could not read the incident to schedule its SLA timer'));
  }

  private schedule(incident: Incident): void {
    const incidentId = incident.id;
    this.cancel(incidentId);
    const at = this.deps.nextWake(incident);
    if (!at) return;
    const fire = () => {
      this.jobs.delete(incidentId);
      this.deps.wake(incidentId).catch((err: unknown) => {
        this.deps.logger.error({ err, incident: incidentId }, 'SLA wake-up failed; retrying in 5 s');
        setTimeout(() => this.reschedule(incidentId), 5000).unref();
      });
    };
    if (at.getTime() <= this.deps.now().getTime()) {
      this.jobs.set(incidentId, setImmediate(fire));
      return;
    }
    const job = schedule.scheduleJob(at, fire);
    if (job) this.jobs.set(incidentId, job);
    else this.jobs.set(incidentId, setImmediate(fire)); // node-schedule refuses past dates
  }

  private cancel(incidentId: string): void {
    const job = this.jobs.get(incidentId);
    if (!job) return;
    if ('cancel' in job) job.cancel();
    else clearImmediate(job);
    this.jobs.delete(incidentId);
  }
}
