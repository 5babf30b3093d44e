// The composition root: builds every object once, as the pipeline of DESIGN §2, one named wiring step
// each — observability and identity → storage and leadership → the rules → ingestion, incidents, clocks
// and management → HTTP → the event log and live feed → the leader's jobs — starts them in order (the
// outbound end, which follows the simulators' addresses, is wired as the daemon starts) and stops them in
// reverse, every step even when one throws. Nothing else in the daemon calls `new` on a service.
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { createLeadership, type Leadership } from './cluster/leadership-factory.js';
import type { Config } from './config/schema.js';
import { domainPolicies } from './config/to-domain.js';
import type { ClocksAndManagement } from './escalation/clocks-and-management.js';
import type { IncidentCommands } from './escalation/incident-commands.js';
import type { Sweeper } from './escalation/sweeper.js';
import { TokenAuthenticator } from './http/auth.js';
import type { ConsolePollers } from './ingest/poller.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import type { OutboxDispatcher } from './outbox/dispatcher.js';
import type { Simulators } from './simulator/create-simulators.js';
import { createStore } from './store/create-store.js';
import type { Store } from './store/port.js';
import { Transactor } from './store/transactor.js';
import { isLoopbackHost } from './config/cross-checks.js';
import { wiring, type Wiring } from './wiring/context.js';
import { wireHttp } from './wiring/http.js';
import { wireIncidents } from './wiring/incidents.js';
import { wireLeaderJobs } from './wiring/jobs.js';
import { wireLive } from './wiring/live.js';
import { startOutbound, type Outbound } from './wiring/outbound.js';
import { runShutdown, type ShutdownStep } from './wiring/shutdown.js';

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
  /** The incidents' SLA clocks and management path. */
  readonly clocks: ClocksAndManagement;
  readonly commands: IncidentCommands;
}

/** 1. Observability and identity: the metrics registry and who may call. */
function wireObservability(w: Wiring) {
  const registry = new Registry();
  const metrics = createMetrics(registry, {
    consoleIds: w.consoleIds,
    ticketAdapter: w.config.ticketing.adapter,
    onUnknownLabel: (metric, label, value) => w.log('metrics').warn({ metric, label, value }, 'label value outside its bounded set; recorded as other'),
  });
  return { registry, metrics, auth: new TokenAuthenticator(w.config.auth.tokens) };
}

/** 2. Storage and leadership: the store (file or postgres), its transactor, and who leads. */
function wireStorage(w: Wiring, deps: { metrics: Metrics; registry: Registry; store?: Store }) {
  const built = deps.store ? { store: deps.store, archive: null } : createStore(w.config, { now: w.now, metrics: deps.metrics, logger: w.log('store') });
  const transactor = new Transactor({ store: built.store, now: w.now });
  const leadership = createLeadership(w.config, { store: built.store, registry: deps.registry, logger: w.log('cluster') });
  return { store: built.store, archive: built.archive, transactor, leadership };
}

export function buildDaemon(deps: DaemonDeps): Daemon {
  const w = wiring(deps.config, deps.logger, deps.now ?? (() => new Date()));
  const { config, logger } = w;
  const consoleSecrets = config.ingest.console.secret === undefined ? [] : ([] as string[]).concat(config.ingest.console.secret);
  let outbound: Outbound | null = null;
  let ready = false;
  let url = '';

  const { registry, metrics, auth } = wireObservability(w);
  const { store, archive, transactor, leadership } = wireStorage(w, { metrics, registry, store: deps.store });
  // 3. The rules, from configuration (config/to-domain.ts).
  const policies = domainPolicies(config);
  const incidents = wireIncidents(w, { metrics, store, transactor, archive, policies }, () => outbound?.consoleListers ?? []);
  const isReady = () => ready && store.healthy;
  const http = wireHttp(w, { auth, registry, metrics, store, leadership, components: incidents.components, commands: incidents.commands, clocks: incidents.clocks, isReady, consoleSecrets });
  const live = wireLive(w, {
    server: http.server, auth, metrics, store, leadership, slaTimers: incidents.slaTimers, componentCounts: incidents.componentCounts,
    pollerHealth: () => outbound?.pollers.health() ?? [], kickDispatcher: () => outbound?.dispatcher.kick(),
  });
  const jobs = wireLeaderJobs(w, leadership, incidents, () => outbound);

  let started = false;
  let stopped = false;
  async function start(): Promise<void> {
    if (started) return;
    started = true;
    if (!isLoopbackHost(config.server.host) && !auth.configured) {
      throw new Error(`refusing to listen on ${config.server.host} without any auth.tokens configured; bind 127.0.0.1 or configure tokens`);
    }
    await store.open();
    incidents.componentCounts.reset(await store.read.servers.all());
    await live.events.load(store.read.events);
    await incidents.contacts.load();
    await live.snapshots.prime();
    await listen();
    live.hub.start();
    outbound = await startOutbound(w, { selfUrl: url, consoleSecrets, components: incidents.components, inventory: incidents.inventory, transactor, metrics });
    jobs.leaderJobs.start();
    await leadership.start();
    // Ready means: this instance's jobs are running if it leads.
    await jobs.leaderJobs.settled();
    ready = true;
    logger.info({ url, engine: store.engine, store: config.storage.engine === 'file' ? config.storage.path : undefined, simulators: config.simulator.enabled, consoles: w.consoleIds, leader: leadership.isLeader }, 'escalatord is ready');
  }

  async function listen(): Promise<void> {
    const server = http.server;
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      server.listen(config.server.port, config.server.host, () => {
        server.off('error', reject);
        resolveListen();
      });
    });
    const addr = server.address() as AddressInfo;
    url = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
  }

  /** The shutdown, in reverse order of the pipeline; runShutdown runs each step even when one throws. */
  function shutdownSteps(): ShutdownStep[] {
    const server = http.server;
    const deadline = Date.now() + config.server.shutdownTimeout;
    let serverClosed: Promise<void> = Promise.resolve();
    return [
      { name: 'leader jobs', run: () => jobs.leaderJobs.stop() },
      { name: 'leadership', run: () => leadership.stop() },
      { name: 'scheduler', run: () => jobs.scheduler.stop() },
      // While requests are in flight keep listening, so probes and load balancers get /readyz 503 (and
      // state-changing routes 503) rather than a refused connection; the deadline bounds the wait.
      { name: 'in-flight requests', run: async () => {
        while (http.inFlight() > 0 && server.listening && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      } },
      // Stop accepting; live clients sit on upgraded sockets the server no longer counts, so the hub
      // closes them before the server's close is awaited.
      { name: 'stop accepting', run: () => {
        serverClosed = new Promise<void>((r) => {
          if (!server.listening) return r();
          server.close(() => r());
          server.closeIdleConnections();
          setTimeout(() => server.closeAllConnections(), Math.max(0, deadline - Date.now())).unref();
        });
      } },
      { name: 'live feed', run: () => live.hub.stop() },
      { name: 'http server', run: () => serverClosed },
      { name: 'snapshots', run: () => live.snapshots.stop() },
      { name: 'notifier', run: () => outbound?.notifier.close() },
      { name: 'simulators', run: () => outbound?.simulators?.stop() },
      { name: 'store', run: () => store.close() },
    ];
  }

  return {
    registry, store, transactor, leadership, sweeper: incidents.sweeper, clocks: incidents.clocks, commands: incidents.commands,
    get url() {
      return url;
    },
    get simulators() {
      return outbound?.simulators ?? null;
    },
    get dispatcher() {
      return outbound?.dispatcher ?? null;
    },
    get pollers() {
      return outbound?.pollers ?? null;
    },
    start,
    async stop() {
      if (stopped) return;
      stopped = true;
      ready = false;
      const failures = await runShutdown(shutdownSteps(), w.log('lifecycle'));
      logger.info({ problems: failures.length }, 'escalatord stopped');
    },
  };
}

export type { Metrics };
