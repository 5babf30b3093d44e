// The event log → live feed, metrics, and the wake-ups that follow every committed batch (DESIGN §2,
// §9): each batch of events reaches the window the feed resumes from, every subscribed client, the
// leader's SLA timers (another instance may have moved a clock) and the outbox dispatcher.
import type { Server } from 'node:http';
import type { Leadership } from '../cluster/leadership-factory.js';
import type { SlaScheduler } from '../escalation/sla-scheduler.js';
import type { TokenAuthenticator } from '../http/auth.js';
import type { ComponentCounts } from '../ingest/component-counts.js';
import type { ConsoleHealth } from '../ingest/poller.js';
import { EventWindow } from '../live/event-window.js';
import { createLiveFeed } from '../live/live-feed.js';
import { buildSnapshot, liveVisibility, registerCollectors } from '../live/snapshot.js';
import type { Metrics } from '../observability/metrics.js';
import { mayHaveAddedOutboxItems } from '../outbox/dispatcher.js';
import type { Store } from '../store/port.js';
import type { Wiring } from './context.js';

export interface LiveDeps {
  server: Server;
  auth: TokenAuthenticator;
  metrics: Metrics;
  store: Store;
  leadership: Leadership;
  slaTimers: SlaScheduler;
  componentCounts: ComponentCounts;
  /** The pollers' health for the snapshot; empty before outbound starts. */
  pollerHealth: () => ConsoleHealth[];
  /** Wakes the outbox dispatcher, when there is one. */
  kickDispatcher: () => void;
}

export function wireLive(w: Wiring, deps: LiveDeps) {
  const { config, log, now } = w;
  const { store, leadership, metrics } = deps;
  const events = new EventWindow(config.storage.eventLogSize);
  const { hub, snapshots } = createLiveFeed({
    server: deps.server, authenticate: (t) => deps.auth.authenticate(t), allowedOrigins: config.server.allowedOrigins, eventLog: events,
    visibility: (p) => liveVisibility(p.role), publicUrl: config.server.publicUrl, metrics, logger: log('live'),
    buildSnapshot: () => buildSnapshot(store.read, deps.pollerHealth(), now),
    onSnapshotError: (err) => log('live').error({ err }, 'live snapshot failed'),
  });
  // A new outbox item (a ticket to create) is picked up as soon as its unit is durable.
  store.onOutboxAdded(() => deps.kickDispatcher());
  store.onEvents((batch) => {
    events.add(batch);
    snapshots.invalidate();
    for (const e of batch) hub.publish(e);
    // Another instance may have moved an incident's clocks: the leader's timer follows every change.
    if (leadership.isLeader) {
      const touched = new Set<string>();
      for (const e of batch) if (typeof e.data.incidentId === 'string') touched.add(e.data.incidentId);
      for (const id of touched) deps.slaTimers.reschedule(id);
    }
    // Only batches that may carry another instance's new items wake it: a pass reads the outbox (two
    // statements on postgres), and a burst of component changes is numbered many times a second.
    if (mayHaveAddedOutboxItems(batch)) deps.kickDispatcher();
  });
  registerCollectors(metrics, store.read, deps.componentCounts, () => hub.clientCount, now);
  return { events, hub, snapshots };
}

export type LiveParts = ReturnType<typeof wireLive>;
