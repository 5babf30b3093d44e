// The composition root: builds every object once, starts them in order and stops them in reverse.
// Nothing else in the daemon calls `new` on a service.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import type { Config, ConsoleConfig } from './config/schema.js';
import { ConsoleClient } from './console/console-client.js';
import { buildCalendars } from './domain/calendar.js';
import { buildSlaPolicy } from './domain/sla.js';
import { Contacts } from './escalation/contacts.js';
import { DiagnosticsService, type DiagnosticsSource } from './escalation/diagnostics.js';
import { IncidentCommands } from './escalation/incident-commands.js';
import { MonitorHandler } from './escalation/monitor-handler.js';
import { Notifier } from './escalation/notifier.js';
import { SlaScheduler } from './escalation/sla-scheduler.js';
import { SlaService } from './escalation/sla-service.js';
import { Sweeper } from './escalation/sweeper.js';
import { createHttpApp } from './http/app.js';
import { TokenAuthenticator } from './http/auth.js';
import { createIncidentRouter } from './http/routes/incident-routes.js';
import { createInfoRouter } from './http/routes/info-routes.js';
import { createIngestRouter } from './http/routes/ingest-routes.js';
import { createMaintenanceRouter } from './http/routes/maintenance-routes.js';
import { createServerRouter } from './http/routes/server-routes.js';
import { createTicketingRouter } from './http/routes/ticketing-routes.js';
import { ComponentCounts } from './ingest/component-counts.js';
import { ComponentStateService } from './ingest/component-state.js';
import { ConsolePoller, ConsolePollers } from './ingest/poller.js';
import { LiveHub } from './live/live-hub.js';
import { buildSnapshot, registerCollectors } from './live/snapshot.js';
import { createMetrics } from './observability/metrics.js';
import { createSimulators, type Simulators } from './simulator/create-simulators.js';
import { Archive } from './store/archive.js';
import { eventsSince } from './store/event-log.js';
import { LowdbStore } from './store/lowdb-store.js';
import type { Store } from './store/types.js';
import { Transactor } from './store/transactor.js';
import { createTicketAdapter } from './tickets/index.js';
import { OutboxDispatcher } from './tickets/dispatcher.js';

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
  readonly simulators: Simulators | null;
  readonly dispatcher: OutboxDispatcher | null;
  readonly pollers: ConsolePollers | null;
  readonly sweeper: Sweeper;
  readonly sla: SlaService;
}

export function buildDaemon(deps: DaemonDeps): Daemon {
  const { config, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const log = (component: string) => logger.child({ component });
  const simulatorOn = config.simulator.enabled;
  // With the simulators on and no console configured, the built-in console is the one polled.
  const consoleIds = config.consoles.length > 0 ? config.consoles.map((c) => c.id) : simulatorOn ? [SIM_CONSOLE_ID] : [];

  const registry = new Registry();
  const metrics = createMetrics(registry, {
    consoleIds,
    ticketAdapter: config.ticketing.adapter,
    onUnknownLabel: (metric, label, value) => log('metrics').warn({ metric, label, value }, 'label value outside its bounded set; recorded as other'),
  });
  const auth = new TokenAuthenticator(config.auth.tokens);
  const store: Store = deps.store ?? new LowdbStore({
    path: config.storage.path,
    onWrite: (seconds) => metrics.storeWriteDuration.observe(seconds),
    onWriteError: (err) => log('store').error({ err }, 'store write failed'),
  });
  const transactor = new Transactor({ store, now, eventLogSize: config.storage.eventLogSize });

  const calendars = buildCalendars(config.sla.calendars);
  const workingDay = calendars.get(config.management.workingDay);
  if (!workingDay) throw new Error(`management.workingDay: unknown calendar "${config.management.workingDay}"`);
  const contacts = new Contacts({ config: config.management, store, logger: log('contacts'), now, timeoutMs: 10_000 });
  const notifier = new Notifier({ channels: config.notifications.channels, timeoutMs: config.ticketing.timeout, now });
  const publicUrl = config.server.publicUrl ?? `http://${config.server.host}:${config.server.port}`;
  let scheduler: SlaScheduler | null = null;
  const sla = new SlaService({
    transactor,
    policy: buildSlaPolicy(config.sla, calendars),
    management: { calendar: workingDay, stepWindow: config.management.stepWindow, attempts: config.management.attempts },
    contacts,
    channels: () => notifier.channelIds,
    metrics,
    publicUrl,
    onReschedule: (id) => scheduler?.reschedule(id),
  });
  scheduler = new SlaScheduler({ store, nextWake: (i) => sla.nextWake(i), wake: (id) => sla.wake(id), now, logger: log('sla') });

  const routing = {
    degradedGraceMs: config.routing.degradedGrace,
    softwareFailurePriority: config.routing.softwareFailurePriority,
    multipleSoftwareFailuresPriority: config.routing.multipleSoftwareFailuresPriority,
    hardwarePriority: config.routing.hardwarePriority,
    unreachablePriority: config.routing.unreachablePriority,
    degradedPriority: config.routing.degradedPriority,
  };
  const monitor = new MonitorHandler({ policy: routing, hooks: sla, metrics });
  const componentCounts = new ComponentCounts();
  const components = new ComponentStateService({ transactor, handler: monitor, counts: componentCounts });
  const commands = new IncidentCommands({ transactor, config, hooks: sla, metrics });
  const archive = new Archive({ store, path: `${resolve(config.storage.path)}.archive.jsonl`, maxLiveIncidents: config.storage.maxLiveIncidents });
  const sweeper = new Sweeper({
    transactor, monitor, hooks: sla, policy: routing, archive, logger: log('sweeper'), now,
    autoResolveAfterMs: config.routing.autoResolveAfter,
    dedupRetentionMs: config.storage.dedupRetention,
    resolvedRetentionMs: config.storage.resolvedRetention,
    intervalMs: Math.min(5000, Math.max(250, Math.floor(config.routing.degradedGrace / 4))),
  });

  let ready = false;
  let started = false;
  let stopped = false;
  const isReady = () => ready && store.healthy;
  const bodyLimit = config.server.bodyLimit;
  const secrets = config.ingest.console.secret === undefined ? [] : ([] as string[]).concat(config.ingest.console.secret);

  // Built in start(): they need the simulators' addresses when those are on.
  let simulators: Simulators | null = null;
  let pollers: ConsolePollers | null = null;
  let dispatcher: OutboxDispatcher | null = null;

  const app = createHttpApp({
    logger: log('http'),
    isReady,
    routers: [
      createIngestRouter({
        auth, components, data: () => store.data, metrics, logger: log('ingest'), isReady, now,
        consoleSecrets: secrets, toleranceMs: config.ingest.console.tolerance, mapping: config.ingest.alertmanager.mapping, bodyLimit,
      }),
      createTicketingRouter({ auth, store, commands, metrics, bodyLimit, ready: isReady, now }),
      createServerRouter({ auth, data: () => store.data, customers: config.customers }),
      createIncidentRouter({ auth, store, commands, management: sla, bodyLimit, ready: isReady }),
      createMaintenanceRouter({ auth, store, bodyLimit, now }),
      createInfoRouter({ auth, store, registry, now, webRoot: WEB_ROOT, openapiPath: OPENAPI }),
    ],
  });
  const server: Server = createServer({ requestTimeout: 30_000, headersTimeout: 15_000 }, app);
  server.keepAliveTimeout = 5_000;
  // Requests being served: shutdown keeps listening until they finish (see stop()).
  let inFlight = 0;
  server.on('request', (_req, res) => {
    inFlight += 1;
    res.once('close', () => void (inFlight -= 1));
  });
  const hub = new LiveHub({
    server, authenticate: (t) => auth.authenticate(t), allowedOrigins: config.server.allowedOrigins,
    eventLog: { latestSeq: () => store.data.lastSeq, since: (seq) => eventsSince(store.data, seq) },
    snapshot: () => buildSnapshot(store.data, pollers?.health() ?? []),
    metrics, logger: log('live'),
  });
  transactor.onEvents((events) => {
    for (const e of events) hub.publish(e);
    dispatcher?.kick();
  });
  registerCollectors(metrics, store, componentCounts, () => hub.clientCount, now);
  let url = '';

  async function startSimulatorsAndClients(): Promise<void> {
    let consoles: ConsoleConfig[] = [...config.consoles];
    let ticketing = config.ticketing;
    if (simulatorOn) {
      const ingestToken = config.auth.tokens.find((t) => t.role === 'ingest' || t.role === 'l3')?.token;
      simulators = createSimulators(config.simulator, {
        logger, // each simulator tags its own lines with its component
        push: secrets[0] ? { url: `${url}/api/v1/ingest/console`, secret: secrets[0] } : undefined,
        ticketingCallback: ingestToken ? { url: `${url}/api/v1/ingest/ticketing`, token: ingestToken } : undefined,
      });
      const urls = await simulators.start();
      if (consoles.length === 0) {
        consoles = [{ id: SIM_CONSOLE_ID, url: urls.consoleUrl, pollInterval: config.simulator.pollInterval, timeout: 5_000, concurrency: 16, jitter: Math.min(1_000, config.simulator.pollInterval / 10) }];
      }
      if (!ticketing.url) ticketing = { ...ticketing, url: urls.ticketingUrl };
    }
    const clients = new Map(consoles.map((c) => [c.id, new ConsoleClient({ config: c })]));
    pollers = new ConsolePollers(consoles.map((c) => new ConsolePoller({ config: c, client: clients.get(c.id)!, components, transactor, metrics, logger: log('poller'), now })));
    const sources = new Map<string, DiagnosticsSource>([...clients].map(([id, client]) => [id, { diagnostics: (serverId, component) => client.diagnostics(serverId, component ?? '') }]));
    const diagnostics = new DiagnosticsService({ sources, timeoutMs: config.routing.diagnosticsTimeout, maxBytes: config.ticketing.diagnosticsMaxBytes, now });
    const adapter = ticketing.url ? createTicketAdapter(ticketing, { publicUrl }) : null;
    if (!adapter) log('tickets').warn('ticketing.url is not set: tickets wait in the outbox until it is');
    dispatcher = new OutboxDispatcher({ transactor, adapter, diagnostics, notifier, metrics, logger: log('dispatcher'), now, ticketing: config.ticketing, publicUrl });
  }

  return {
    registry, store, transactor, sweeper, sla,
    get url() {
      return url;
    },
    get simulators() {
      return simulators;
    },
    get dispatcher() {
      return dispatcher;
    },
    get pollers() {
      return pollers;
    },
    async start() {
      if (started) return;
      started = true;
      if (!LOOPBACK.has(config.server.host) && !auth.configured) {
        throw new Error(`refusing to listen on ${config.server.host} without any auth.tokens configured; bind 127.0.0.1 or configure tokens`);
      }
      await store.open();
      componentCounts.reset(Object.values(store.data.servers));
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
      await startSimulatorsAndClients();
      scheduler!.start();
      dispatcher!.start();
      contacts.start();
      sweeper.start();
      pollers!.start();
      ready = true;
      logger.info({ url, store: config.storage.path, simulators: simulatorOn, consoles: consoleIds }, 'escalatord is ready');
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      ready = false;
      const deadline = Date.now() + config.server.shutdownTimeout;
      await pollers?.stop();
      await sweeper.stop();
      contacts.stop();
      // While requests are in flight keep listening, so probes and load balancers get /readyz 503 (and
      // state-changing routes 503) rather than a refused connection; the deadline bounds the wait.
      while (inFlight > 0 && server.listening && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      // Stop accepting, let in-flight requests finish, then close the live feed and flush the store.
      await new Promise<void>((r) => {
        if (!server.listening) return r();
        server.close(() => r());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), Math.max(0, deadline - Date.now())).unref();
      });
      await hub.stop();
      await dispatcher?.stop();
      scheduler!.stop();
      await simulators?.stop().catch((err: unknown) => log('simulator').warn({ err }, 'simulator stop failed'));
      await store.close();
      logger.info('escalatord stopped');
    },
  };
}
