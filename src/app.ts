// The composition root: builds every object once, as the pipeline of DESIGN §2 — storage, the rules,
// ingestion → state → incidents → SLA clocks and management → outbox → ticketing and notifications, the
// event log → live feed and metrics — starts them in order and stops them in reverse. Nothing else in
// the daemon calls `new` on a service. Jobs with side effects on the outside world (polling, timers,
// the sweeper, the dispatcher, the contacts refresh) run only while this instance leads.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { LeaderJobs } from './cluster/leader-jobs.js';
import { createLeadership, type Leadership } from './cluster/leadership-factory.js';
import { TimerScheduler } from './cluster/scheduler.js';
import type { Config, ConsoleConfig } from './config/schema.js';
import { vendorSyncRules } from './config/to-domain.js';
import { ConsoleClient } from './console/console-client.js';
import { buildCalendars } from './domain/calendar.js';
import { buildSlaPolicy } from './domain/sla.js';
import { Contacts } from './escalation/contacts.js';
import { DiagnosticsService, type DiagnosticsSource } from './console/diagnostics.js';
import { IncidentCommands } from './escalation/incident-commands.js';
import { MonitorHandler } from './escalation/monitor-handler.js';
import { SlaScheduler } from './escalation/sla-scheduler.js';
import { ClocksAndManagement } from './escalation/clocks-and-management.js';
import { NotificationOutbox } from './escalation/notifications.js';
import { Sweeper } from './escalation/sweeper.js';
import { createHttpApp } from './http/app.js';
import { TokenAuthenticator } from './http/auth.js';
import { dashboardHeaders } from './http/dashboard-headers.js';
import { countRequestsInFlight, createHttpServer } from './http/server-limits.js';
import { consoleFastPath } from './http/console-fast-path.js';
import { createAuditRouter } from './http/routes/audit-routes.js';
import { createClusterRouter } from './http/routes/cluster-routes.js';
import { createIncidentRouter } from './http/routes/incident-routes.js';
import { createReferenceRouter } from './http/routes/reference-routes.js';
import { createVendorTicketingRouter } from './http/routes/vendor-ticketing-routes.js';
import { createInfoRouter } from './http/routes/info-routes.js';
import { consoleIngest, createIngestRouter, type IngestRouterDeps } from './http/routes/ingest-routes.js';
import { createMaintenanceRouter } from './http/routes/maintenance-routes.js';
import { createServerRouter } from './http/routes/server-routes.js';
import { createTicketingRouter } from './http/routes/ticketing-routes.js';
import { ComponentCounts } from './ingest/component-counts.js';
import { ComponentStateService } from './ingest/component-state.js';
import { ServerInventory, type ConsoleLister } from './ingest/inventory.js';
import { ConsolePoller, ConsolePollers } from './ingest/poller.js';
import { EventWindow } from './live/event-window.js';
import { createLiveFeed } from './live/live-feed.js';
import { buildSnapshot, liveVisibility, registerCollectors } from './live/snapshot.js';
import { Notifier } from './notify/notifier.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import { OutboxDispatcher, mayHaveAddedOutboxItems } from './outbox/dispatcher.js';
import type { Simulators } from './simulator/create-simulators.js';
import { createStore, type Archiver } from './store/create-store.js';
import type { Store } from './store/port.js';
import { Transactor } from './store/transactor.js';
import { createTicketAdapter } from './tickets/index.js';

const SRC_DIR = dirname(fileURLToPath(import.meta.url));
const WEB_ROOT = resolve(SRC_DIR, '../src/web');
const OPENAPI = resolve(SRC_DIR, '../src/http/openapi.json');
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const SIM_CONSOLE_ID = 'sim';

export interface DaemonDeps {
  config: Config;
  logger: Logger;
  configPath?: string;
  /** Injected for tests: the clock and an alternative store. */
  now?: () => Date;
  store?: Store;
}

export interface Daemon {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly url: string;
  readonly registry: Registry;
  readonly store: Store;
  readonly transactor: Transactor;
  readonly leadership: Leadership;
  readonly simulators: Simulators | null;
  readonly dispatcher: OutboxDispatcher | null;
  readonly pollers: ConsolePollers | null;
  readonly sweeper: Sweeper;
  readonly sla: ClocksAndManagement;
  readonly commands: IncidentCommands;
}

export function buildDaemon(deps: DaemonDeps): Daemon {
  const { config, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const log = (component: string) => logger.child({ component });
  const simulatorOn = config.simulator.enabled;
  // With the simulators on and no console configured, the built-in console is the one polled.
  const consoleIds = config.consoles.length > 0 ? config.consoles.map((c) => c.id) : simulatorOn ? [SIM_CONSOLE_ID] : [];
  const publicUrl = config.server.publicUrl ?? `http://${config.server.host}:${config.server.port}`;

  // 1. Observability and identity.
  const registry = new Registry();
  const metrics = createMetrics(registry, {
    consoleIds,
    ticketAdapter: config.ticketing.adapter,
    onUnknownLabel: (metric, label, value) => log('metrics').warn({ metric, label, value }, 'label value outside its bounded set; recorded as other'),
  });
  const auth = new TokenAuthenticator(config.auth.tokens);

  // 2. Storage and leadership.
  const built = deps.store ? { store: deps.store, archive: null } : createStore(config, { now, metrics, logger: log('store') });
  const store = built.store;
  const transactor = new Transactor({ store, now });
  const leadership = createLeadership(config, { store, registry, logger: log('cluster') });

  // 3. The rules, from configuration.
  const calendars = buildCalendars(config.sla.calendars);
  const workingDay = calendars.get(config.management.workingDay);
  if (!workingDay) throw new Error(`management.workingDay: unknown calendar "${config.management.workingDay}"`);
  const routing = {
    degradedGraceMs: config.routing.degradedGrace,
    softwareFailurePriority: config.routing.softwareFailurePriority,
    multipleSoftwareFailuresPriority: config.routing.multipleSoftwareFailuresPriority,
    hardwarePriority: config.routing.hardwarePriority,
    unreachablePriority: config.routing.unreachablePriority,
    degradedPriority: config.routing.degradedPriority,
  };

  // 4. Incidents, SLA clocks and the management path.
  const customerName = (id: string) => config.customers.find((c) => c.id === id)?.name;
  const contacts = new Contacts({ config: config.management, transactor, logger: log('contacts'), now, timeoutMs: 10_000 });
  // Built with the outbound parts: the demo's mail sink may listen on a port chosen at start.
  let notifier: Notifier | null = null;
  let slaTimers: SlaScheduler | null = null;
  const notifications = new NotificationOutbox({ channels: () => config.notifications.channels.map((c) => c.id), publicUrl, customerName });
  const sla = new ClocksAndManagement({
    transactor,
    notifications,
    policy: buildSlaPolicy(config.sla, calendars),
    management: { calendar: workingDay, stepWindow: config.management.stepWindow, attempts: config.management.attempts },
    contacts,
    metrics,
    onReschedule: (id) => slaTimers?.reschedule(id),
  });
  slaTimers = new SlaScheduler({ read: store.read, nextWake: (i) => sla.nextWake(i), wake: (id) => sla.wake(id), now, logger: log('sla') });
  const monitor = new MonitorHandler({ policy: routing, hooks: sla, metrics });
  const componentCounts = new ComponentCounts();
  // Consoles are known once outbound starts (the simulator's address); the inventory asks for them then.
  let consoleListers: ConsoleLister[] = [];
  const inventory = new ServerInventory({
    consoles: () => consoleListers, servers: store.read.servers, refreshEveryMs: config.ingest.inventoryRefresh, maxServers: config.ingest.maxServers,
    now: () => now().getTime(), onRefreshError: (consoleId, err) => log('inventory').warn({ consoleId, err: (err as Error).message }, 'could not refresh the console inventory'),
  });
  const components = new ComponentStateService({ transactor, handler: monitor, counts: componentCounts, dedupRetentionMs: config.storage.dedupRetention, inventory });
  const commands = new IncidentCommands({ transactor, config, hooks: sla, metrics, dedupRetentionMs: config.storage.dedupRetention });
  const sweeper = new Sweeper({
    transactor, monitor, hooks: sla, policy: routing, archive: built.archive as Archiver | null, logger: log('sweeper'), now,
    autoResolveAfterMs: config.routing.autoResolveAfter,
    resolvedRetentionMs: config.storage.resolvedRetention,
    eventLogSize: config.storage.eventLogSize,
    auditRetentionMs: config.storage.auditRetention,
    forgettable: (server, at) => consoleListers.length > 0
      ? server.consoleId !== undefined && inventory.hasList(server.consoleId) && !inventory.lists(server.id)
      : Date.parse(server.observedAt) < at.getTime() - config.ingest.serverExpiry,
  });
  const sweepEveryMs = Math.min(5000, Math.max(250, Math.floor(config.routing.degradedGrace / 4)));

  // 5. HTTP: ingest, the REST API, the dashboard; the live feed on the same server.
  let ready = false;
  let started = false;
  let stopped = false;
  const isReady = () => ready && store.healthy;
  const bodyLimit = config.server.bodyLimit;
  const secrets = config.ingest.console.secret === undefined ? [] : ([] as string[]).concat(config.ingest.console.secret);
  // Built in start(): they need the simulators' addresses when those are on.
  let simulators: Simulators | null = null;
  let outbound: Outbound | null = null;

  const ingestDeps: IngestRouterDeps = {
    auth, components, metrics, logger: log('ingest'), isReady, now,
    consoleSecrets: secrets, toleranceMs: config.ingest.console.tolerance, mapping: config.ingest.alertmanager.mapping, bodyLimit,
  };
  const consoleWork = consoleIngest(ingestDeps);
  const app = createHttpApp({
    logger: log('http'),
    isReady,
    routers: [
      createIngestRouter(ingestDeps, consoleWork),
      createTicketingRouter({ auth, commands, metrics, bodyLimit, ready: isReady }),
      createVendorTicketingRouter({
        auth, commands, registry, ingestReports: metrics.ingestReports, logger: log('ticketing'), isReady, bodyLimit,
        ...vendorSyncRules(config),
      }),
      createServerRouter({ auth, read: store.read, customers: config.customers }),
      createIncidentRouter({ auth, read: store.read, commands, management: sla, bodyLimit, ready: isReady }),
      createMaintenanceRouter({ auth, store, now }),
      createReferenceRouter({ auth, config }),
      createAuditRouter({ auth, store, now, logger: log('audit') }),
      createClusterRouter({ auth, leadership, engine: store.engine }),
      createInfoRouter({ auth, read: store.read, registry, now, webRoot: WEB_ROOT, openapiPath: OPENAPI, dashboardHeaders: dashboardHeaders() }),
    ],
  });
  // Bounded connections and short header/request timeouts; console reports skip express where the route's gates would pass them.
  const consoleFast = consoleFastPath(consoleWork, log('http'));
  const server: Server = createHttpServer((req, res) => void (consoleFast(req, res) || app(req, res)), {
    maxConnections: config.server.maxConnections, headersTimeoutMs: config.server.headersTimeout, requestTimeoutMs: config.server.requestTimeout,
  });
  // Requests being served: shutdown keeps listening until they finish (see stop()).
  const inFlight = countRequestsInFlight(server);

  // 6. The event log → live feed, metrics, and the dispatcher's wake-up.
  const events = new EventWindow(config.storage.eventLogSize);
  const { hub, snapshots } = createLiveFeed({
    server, authenticate: (t) => auth.authenticate(t), allowedOrigins: config.server.allowedOrigins, eventLog: events,
    visibility: (p) => liveVisibility(p.role), publicUrl: config.server.publicUrl, metrics, logger: log('live'),
    buildSnapshot: () => buildSnapshot(store.read, outbound?.pollers.health() ?? [], now),
    onSnapshotError: (err) => log('live').error({ err }, 'live snapshot failed'),
  });
  // A new outbox item (a ticket to create) is picked up as soon as its unit is durable.
  store.onOutboxAdded(() => outbound?.dispatcher.kick());
  store.onEvents((batch) => {
    events.add(batch);
    snapshots.invalidate();
    for (const e of batch) hub.publish(e);
    // Another instance may have moved an incident's clocks: the leader's timer follows every change.
    if (leadership.isLeader) {
      const touched = new Set<string>();
      for (const e of batch) if (typeof e.data.incidentId === 'string') touched.add(e.data.incidentId);
      for (const id of touched) slaTimers?.reschedule(id);
    }
    // Only batches that may carry another instance's new items wake it: a pass reads the outbox (two
    // statements on postgres), and a burst of component changes is numbered many times a second.
    if (mayHaveAddedOutboxItems(batch)) outbound?.dispatcher.kick();
  });
  registerCollectors(metrics, store.read, componentCounts, () => hub.clientCount, now);
  let url = '';

  // 7. Outbound: simulators, console clients, diagnostics, the ticketing adapter, the dispatcher, pollers.
  async function startOutbound(): Promise<Outbound> {
    let consoles: ConsoleConfig[] = [...config.consoles];
    let ticketing = config.ticketing;
    let channels = config.notifications.channels;
    if (simulatorOn) {
      const ingestToken = config.auth.tokens.find((t) => t.role === 'ingest' || t.role === 'l3')?.token;
      // Loaded only when on: the demo's mail sink brings a MIME parser a production daemon has no use for.
      const { createSimulators } = await import('./simulator/create-simulators.js');
      simulators = createSimulators(config.simulator, {
        logger,
        push: secrets[0] ? { url: `${url}/api/v1/ingest/console`, secret: secrets[0] } : undefined,
        ticketingCallback: ingestToken ? { url: `${url}/api/v1/ingest/ticketing`, token: ingestToken } : undefined,
        ticketingStateFile: `${resolve(config.storage.path)}.ticketing-sim.json`,
      });
      const urls = await simulators.start();
      if (consoles.length === 0) {
        consoles = [{ id: SIM_CONSOLE_ID, url: urls.consoleUrl, pollInterval: config.simulator.pollInterval, timeout: 5_000, concurrency: 16, jitter: Math.min(1_000, config.simulator.pollInterval / 10) }];
      }
      if (!ticketing.url) ticketing = { ...ticketing, url: urls.ticketingUrl };
      // E-mail channels aimed at the mail sink's configured port follow it to the port it got (0 = any).
      const sinkPort = urls.mailSmtpPort;
      if (sinkPort !== null && sinkPort !== config.simulator.mailSmtpPort) {
        channels = channels.map((c) => (c.type === 'email' && c.smtp.port === config.simulator.mailSmtpPort && LOOPBACK.has(c.smtp.host) ? { ...c, smtp: { ...c.smtp, port: sinkPort } } : c));
      }
    }
    notifier = new Notifier({ channels, timeoutMs: config.ticketing.timeout, now });
    const sender = notifier;
    const clients = new Map(consoles.map((c) => [c.id, new ConsoleClient({ config: c })]));
    consoleListers = [...clients].map(([id, client]) => ({ id, listServers: () => client.listServers({}) }));
    const makePollers = () => new ConsolePollers(consoles.map((c) => new ConsolePoller({ config: c, client: clients.get(c.id)!, components, transactor, inventory, metrics, logger: log('poller'), now })));
    const sources = new Map<string, DiagnosticsSource>([...clients].map(([id, client]) => [id, { diagnostics: (serverId, component) => client.diagnostics(serverId, component ?? '') }]));
    const diagnostics = new DiagnosticsService({ sources, timeoutMs: config.routing.diagnosticsTimeout, maxBytes: config.ticketing.diagnosticsMaxBytes, now });
    const adapter = ticketing.url ? createTicketAdapter(ticketing, { publicUrl }) : null;
    if (!adapter) log('tickets').warn('ticketing.url is not set: tickets wait in the outbox until it is');
    const makeDispatcher = () => new OutboxDispatcher({ transactor, adapter, diagnostics, notifier: sender, metrics, logger: log('dispatcher'), now, ticketing: config.ticketing, publicUrl });
    return { makePollers, makeDispatcher, pollers: makePollers(), dispatcher: makeDispatcher() };
  }

  // 8. The leader's jobs, on one scheduler and one clock: started when this instance becomes leader,
  // every one of them cancelled the moment it stops (src/cluster/leader-jobs.ts).
  const scheduler = new TimerScheduler({
    now,
    onError: (err, job) => log('scheduler').error({ err, job }, 'a scheduled job failed'),
    onSkip: (job) => log('scheduler').warn({ job }, 'previous run still going; this one skipped'),
  });
  const leaderJobs = new LeaderJobs({ leadership, scheduler, onError: (err, task) => log('cluster').error({ err, task }, 'a leader job failed to start or stop') })
    .add({ name: 'sla', start: (s) => slaTimers.start(s), stop: () => slaTimers.stop() })
    .add({
      name: 'outbox',
      start: (s) => {
        outbound!.dispatcher = outbound!.makeDispatcher();
        outbound!.dispatcher.start(s);
      },
      stop: () => outbound?.dispatcher.stop(),
    })
    .every('sweeper', sweepEveryMs, () => sweeper.sweep())
    .add({
      name: 'pollers',
      start: (s) => {
        outbound!.pollers = outbound!.makePollers();
        outbound!.pollers.start(s);
      },
      stop: () => outbound?.pollers.stop(),
    });
  if (config.management.masterUrl) leaderJobs.every('contacts', config.management.refreshInterval, async () => void (await contacts.refresh()), { immediately: true });
  // Every instance (followers take complaints too) reloads the copy the leader saved.
  if (config.management.masterUrl) scheduler.every('contacts-reload', config.management.refreshInterval, () => contacts.load());

  return {
    registry, store, transactor, sweeper, sla, commands, leadership,
    get url() {
      return url;
    },
    get simulators() {
      return simulators;
    },
    get dispatcher() {
      return outbound?.dispatcher ?? null;
    },
    get pollers() {
      return outbound?.pollers ?? null;
    },
    async start() {
      if (started) return;
      started = true;
      if (!LOOPBACK.has(config.server.host) && !auth.configured) {
        throw new Error(`refusing to listen on ${config.server.host} without any auth.tokens configured; bind 127.0.0.1 or configure tokens`);
      }
      await store.open();
      componentCounts.reset(await store.read.servers.all());
      await events.load(store.read.events);
      await contacts.load();
      await snapshots.prime();
      await new Promise<void>((resolveListen, reject) => {
        server.once('error', reject);
        server.listen(config.server.port, config.server.host, () => {
          server.off('error', reject);
          resolveListen();
        });
      });
      const addr = server.address() as AddressInfo;
      const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
      url = `http://${host}:${addr.port}`;
      hub.start();
      outbound = await startOutbound();
      leaderJobs.start();
      await leadership.start();
      // Ready means: this instance's jobs are running if it leads.
      await leaderJobs.settled();
      ready = true;
      logger.info({ url, engine: store.engine, store: config.storage.engine === 'file' ? config.storage.path : undefined, simulators: simulatorOn, consoles: consoleIds, leader: leadership.isLeader }, 'escalatord is ready');
    },
    /** Stops every part in reverse order; each step runs even when an earlier one throws. */
    async stop() {
      if (stopped) return;
      stopped = true;
      ready = false;
      const deadline = Date.now() + config.server.shutdownTimeout;
      const errors: unknown[] = [];
      const step = async (what: string, fn: () => unknown) => {
        try {
          await fn();
        } catch (err) {
          errors.push(err);
          log('lifecycle').warn({ err, step: what }, 'a shutdown step failed; continuing');
        }
      };
      await step('leader jobs', () => leaderJobs.stop());
      await step('leadership', () => leadership.stop());
      await step('scheduler', () => scheduler.stop());
      // While requests are in flight keep listening, so probes and load balancers get /readyz 503 (and
      // state-changing routes 503) rather than a refused connection; the deadline bounds the wait.
      await step('in-flight requests', async () => {
        while (inFlight() > 0 && server.listening && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      });
      // Stop accepting; live clients sit on upgraded sockets the server no longer counts, so the hub
      // closes them before the server's close is awaited.
      const serverClosed = new Promise<void>((r) => {
        if (!server.listening) return r();
        server.close(() => r());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), Math.max(0, deadline - Date.now())).unref();
      });
      await step('live feed', () => hub.stop());
      await step('http server', () => serverClosed);
      await step('snapshots', () => snapshots.stop());
      await step('notifier', () => notifier?.close());
      await step('simulators', () => simulators?.stop());
      await step('store', () => store.close());
      logger.info({ problems: errors.length }, 'escalatord stopped');
    },
  };
}

interface Outbound {
  makePollers: () => ConsolePollers;
  makeDispatcher: () => OutboxDispatcher;
  pollers: ConsolePollers;
  dispatcher: OutboxDispatcher;
}

export type { Metrics };
