// Outbound (DESIGN §2, the pipeline's far end): the demo's simulators, the console clients and their
// pollers, diagnostics, the ticketing adapter, notification channels and the outbox dispatcher. Wired
// when the daemon starts, not when it is built: with the simulators on, their addresses (port 0 = any)
// are known only once they listen, and the consoles, the ticketing URL and the mail sink follow them.
import { resolve } from 'node:path';
import type { ConsoleConfig } from '../config/schema.js';
import { ConsoleClient } from '../console/console-client.js';
import { DiagnosticsService, type DiagnosticsSource } from '../console/diagnostics.js';
import type { ComponentStateService } from '../ingest/component-state.js';
import type { ConsoleLister, ServerInventory } from '../ingest/inventory.js';
import { ConsolePoller, ConsolePollers } from '../ingest/poller.js';
import { Notifier } from '../notify/notifier.js';
import type { Metrics } from '../observability/metrics.js';
import { OutboxDispatcher } from '../outbox/dispatcher.js';
import type { Simulators } from '../simulator/create-simulators.js';
import type { Transactor } from '../store/transactor.js';
import { createTicketAdapter } from '../tickets/index.js';
import { isLoopbackHost } from '../config/cross-checks.js';
import { SIM_CONSOLE_ID, type Wiring } from './context.js';

export interface Outbound {
  simulators: Simulators | null;
  notifier: Notifier;
  consoleListers: ConsoleLister[];
  /** Pollers and the dispatcher are made anew each time this instance starts leading. */
  makePollers: () => ConsolePollers;
  makeDispatcher: () => OutboxDispatcher;
  pollers: ConsolePollers;
  dispatcher: OutboxDispatcher;
}

export interface OutboundDeps {
  /** The daemon's own address: the simulators push to it and call it back. */
  selfUrl: string;
  consoleSecrets: readonly string[];
  components: ComponentStateService;
  inventory: ServerInventory;
  transactor: Transactor;
  metrics: Metrics;
}

export async function startOutbound(w: Wiring, deps: OutboundDeps): Promise<Outbound> {
  const { config, logger, log, now, publicUrl } = w;
  let consoles: ConsoleConfig[] = [...config.consoles];
  let ticketing = config.ticketing;
  let channels = config.notifications.channels;
  let simulators: Simulators | null = null;
  if (config.simulator.enabled) {
    const ingestToken = config.auth.tokens.find((t) => t.role === 'ingest' || t.role === 'l3')?.token;
    // Loaded only when on: the demo's mail sink brings a MIME parser a production daemon has no use for.
    const { createSimulators } = await import('../simulator/create-simulators.js');
    simulators = createSimulators(config.simulator, {
      logger,
      push: deps.consoleSecrets[0] ? { url: `${deps.selfUrl}/api/v1/ingest/console`, secret: deps.consoleSecrets[0] } : undefined,
      ticketingCallback: ingestToken ? { url: `${deps.selfUrl}/api/v1/ingest/ticketing`, token: ingestToken } : undefined,
      ticketingStateFile: `${resolve(config.storage.path)}.ticketing-sim.json`,
    });
    const urls = await simulators.start(); // stops what did start when one of them cannot
    if (consoles.length === 0) {
      consoles = [{ id: SIM_CONSOLE_ID, url: urls.consoleUrl, pollInterval: config.simulator.pollInterval, timeout: 5_000, concurrency: 16, jitter: Math.min(1_000, config.simulator.pollInterval / 10) }];
    }
    if (!ticketing.url) ticketing = { ...ticketing, url: urls.ticketingUrl };
    // E-mail channels aimed at the mail sink's configured port follow it to the port it got (0 = any).
    const sinkPort = urls.mailSmtpPort;
    if (sinkPort !== null && sinkPort !== config.simulator.mailSmtpPort) {
      channels = channels.map((c) => (c.type === 'email' && c.smtp.port === config.simulator.mailSmtpPort && isLoopbackHost(c.smtp.host) ? { ...c, smtp: { ...c.smtp, port: sinkPort } } : c));
    }
  }
  const notifier = new Notifier({ channels, timeoutMs: config.ticketing.timeout, now });
  const clients = new Map(consoles.map((c) => [c.id, new ConsoleClient({ config: c })]));
  const consoleListers = [...clients].map(([id, client]) => ({ id, listServers: () => client.listServers({}) }));
  const { components, transactor, inventory, metrics } = deps;
  const makePollers = () => new ConsolePollers(consoles.map((c) => new ConsolePoller({ config: c, client: clients.get(c.id)!, components, transactor, inventory, metrics, logger: log('poller'), now })));
  const sources = new Map<string, DiagnosticsSource>([...clients].map(([id, client]) => [id, { diagnostics: (serverId, component) => client.diagnostics(serverId, component ?? '') }]));
  const diagnostics = new DiagnosticsService({ sources, timeoutMs: config.routing.diagnosticsTimeout, maxBytes: config.ticketing.diagnosticsMaxBytes, now });
  const adapter = ticketing.url ? createTicketAdapter(ticketing, { publicUrl }) : null;
  if (!adapter) log('tickets').warn('ticketing.url is not set: tickets wait in the outbox until it is');
  const makeDispatcher = () => new OutboxDispatcher({ transactor, adapter, diagnostics, notifier, metrics, logger: log('dispatcher'), now, ticketing: config.ticketing, publicUrl });
  return { simulators, notifier, consoleListers, makePollers, makeDispatcher, pollers: makePollers(), dispatcher: makeDispatcher() };
}
