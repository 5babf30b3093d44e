// Ingestion → state → incidents → SLA clocks and the management path (DESIGN §2): the component state
// service applies reports and hands changes to the monitoring rules; people's commands, the clocks, the
// timers that wake them and the sweeper act on the same incidents through the same transactor.
import type { DomainPolicies } from '../config/to-domain.js';
import { ClocksAndManagement } from '../escalation/clocks-and-management.js';
import { Contacts } from '../escalation/contacts.js';
import { IncidentCommands } from '../escalation/incident-commands.js';
import { MonitorHandler } from '../escalation/monitor-handler.js';
import { NotificationOutbox } from '../escalation/notifications.js';
import { SlaScheduler } from '../escalation/sla-scheduler.js';
import { Sweeper } from '../escalation/sweeper.js';
import { ComponentCounts } from '../ingest/component-counts.js';
import { ComponentStateService } from '../ingest/component-state.js';
import { ServerInventory, type ConsoleLister } from '../ingest/inventory.js';
import type { Metrics } from '../observability/metrics.js';
import type { Archiver } from '../store/create-store.js';
import type { Store } from '../store/port.js';
import type { Transactor } from '../store/transactor.js';
import type { Wiring } from './context.js';

export interface IncidentParts {
  contacts: Contacts;
  clocks: ClocksAndManagement;
  slaTimers: SlaScheduler;
  componentCounts: ComponentCounts;
  components: ComponentStateService;
  inventory: ServerInventory;
  commands: IncidentCommands;
  sweeper: Sweeper;
  /** How often the leader sweeps: often enough to open a degraded incident soon after its grace period. */
  sweepEveryMs: number;
}

export function wireIncidents(
  w: Wiring,
  parts: { metrics: Metrics; store: Store; transactor: Transactor; archive: Archiver | null; policies: DomainPolicies },
  /** The consoles' server lists, known once outbound starts (the simulator's address). */
  consoleListers: () => readonly ConsoleLister[],
): IncidentParts {
  const { config, now, log } = w;
  const { metrics, store, transactor, policies } = parts;
  const customerName = (id: string) => config.customers.find((c) => c.id === id)?.name;
  const contacts = new Contacts({ config: config.management, transactor, logger: log('contacts'), now, timeoutMs: 10_000 });
  const notifications = new NotificationOutbox({ channels: () => config.notifications.channels.map((c) => c.id), publicUrl: w.publicUrl, customerName });
  // The clocks tell the timers about every change; the timers wake the clocks: built one after the other.
  let slaTimers: SlaScheduler | null = null;
  const clocks = new ClocksAndManagement({
    transactor, notifications, policy: policies.sla, management: policies.management, contacts, metrics,
    onReschedule: (id) => slaTimers?.reschedule(id),
  });
  slaTimers = new SlaScheduler({ read: store.read, nextWake: (i) => clocks.nextWake(i), wake: (id) => clocks.wake(id), now, logger: log('sla') });

  const monitor = new MonitorHandler({ policy: policies.routing, hooks: clocks, metrics });
  const componentCounts = new ComponentCounts();
  const inventory = new ServerInventory({
    consoles: consoleListers, servers: store.read.servers, refreshEveryMs: config.ingest.inventoryRefresh, maxServers: config.ingest.maxServers,
    now: () => now().getTime(), onRefreshError: (consoleId, err) => log('inventory').warn({ consoleId, err: (err as Error).message }, 'could not refresh the console inventory'),
  });
  const components = new ComponentStateService({ transactor, handler: monitor, counts: componentCounts, dedupRetentionMs: config.storage.dedupRetention, inventory });
  const commands = new IncidentCommands({ transactor, config, hooks: clocks, metrics, dedupRetentionMs: config.storage.dedupRetention });
  const sweeper = new Sweeper({
    transactor, monitor, hooks: clocks, policy: policies.routing, archive: parts.archive, logger: log('sweeper'), now,
    autoResolveAfterMs: policies.autoResolveAfterMs,
    resolvedRetentionMs: config.storage.resolvedRetention,
    eventLogSize: config.storage.eventLogSize,
    auditRetentionMs: config.storage.auditRetention,
    // A server no console lists any more is forgotten; with no console configured, one not heard of for serverExpiry.
    forgettable: (server, at) => consoleListers().length > 0
      ? server.consoleId !== undefined && inventory.hasList(server.consoleId) && !inventory.lists(server.id)
      : Date.parse(server.observedAt) < at.getTime() - config.ingest.serverExpiry,
  });
  const sweepEveryMs = Math.min(5000, Math.max(250, Math.floor(config.routing.degradedGrace / 4)));
  return { contacts, clocks, slaTimers, componentCounts, components, inventory, commands, sweeper, sweepEveryMs };
}
