// The leader's jobs, on one scheduler and one clock (DESIGN §12): SLA timers, the outbox dispatcher,
// the sweeper, the pollers and the contacts refresh run only while this instance leads, started when
// it becomes leader and every one of them cancelled the moment it stops (src/cluster/leader-jobs.ts).
import { LeaderJobs } from '../cluster/leader-jobs.js';
import type { Leadership } from '../cluster/leadership-factory.js';
import { TimerScheduler } from '../cluster/scheduler.js';
import type { IncidentParts } from './incidents.js';
import type { Wiring } from './context.js';
import type { Outbound } from './outbound.js';

export function wireLeaderJobs(w: Wiring, leadership: Leadership, incidents: IncidentParts, outbound: () => Outbound | null) {
  const { config, log, now } = w;
  const scheduler = new TimerScheduler({
    now,
    onError: (err, job) => log('scheduler').error({ err, job }, 'a scheduled job failed'),
    onSkip: (job) => log('scheduler').warn({ job }, 'previous run still going; this one skipped'),
  });
  // Pollers and the dispatcher are made anew for each reign: a stopped one is never restarted.
  const leaderJobs = new LeaderJobs({ leadership, scheduler, onError: (err, task) => log('cluster').error({ err, task }, 'a leader job failed to start or stop') })
    .add({ name: 'sla', start: (s) => incidents.slaTimers.start(s), stop: () => incidents.slaTimers.stop() })
    .add({
      name: 'outbox',
      start: (s) => {
        const o = outbound()!;
        o.dispatcher = o.makeDispatcher();
        o.dispatcher.start(s);
      },
      stop: () => outbound()?.dispatcher.stop(),
    })
    .every('sweeper', incidents.sweepEveryMs, () => incidents.sweeper.sweep())
    .add({
      name: 'pollers',
      start: (s) => {
        const o = outbound()!;
        o.pollers = o.makePollers();
        o.pollers.start(s);
      },
      stop: () => outbound()?.pollers.stop(),
    });
  if (config.management.masterUrl) {
    leaderJobs.every('contacts', config.management.refreshInterval, async () => void (await incidents.contacts.refresh()), { immediately: true });
    // Every instance (followers take complaints too) reloads the copy the leader saved.
    scheduler.every('contacts-reload', config.management.refreshInterval, () => incidents.contacts.load());
  }
  return { scheduler, leaderJobs };
}
