// Builds both simulators from the `simulator` section of the configuration, for the daemon's composition
// root (when `simulator.enabled`) and for the standalone entry point. It does not look at `enabled`:
// the caller decides whether to build them at all.
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { ConsoleSimulator } from './console-simulator.js';
import { defaultSimulatorLogger } from './http-server.js';
import { MailSink } from './mail-sink.js';
import { TicketingSimulator } from './ticketing-simulator.js';

export interface SimulatorsOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Fleet and fault seed; default 1. */
  seed?: number;
  /** Parent logger; each simulator logs through a child with `component` set. */
  logger?: Logger;
  /** Where the console pushes signed deltas (the daemon's `/api/v1/ingest/console`). Used only when `cfg.pushWebhooks`. */
  push?: { url: string; secret: string };
  /** Bearer token the console API requires, if any. */
  consoleToken?: string;
  /** Bearer token the ticket API requires, if any. */
  ticketingToken?: string;
  /** Where vendor ticket events go (the daemon's `/api/v1/ingest/ticketing`) and the bearer token to send. */
  ticketingCallback?: { url: string; token?: string };
  /** A JSON file that keeps the ticketing simulator's tickets across restarts; default: kept in memory only. */
  ticketingStateFile?: string;
  now?: () => Date;
}

/** A simulator port is taken (most often: `npm start` already runs the simulators on it). */
export class SimulatorPortInUseError extends Error {
  readonly code = 'simulator_port_in_use';
  constructor(readonly key: 'simulator.consolePort' | 'simulator.ticketingPort' | 'simulator.mailSmtpPort', readonly host: string, readonly port: number) {
    const what = key === 'simulator.consolePort' ? 'the Monitoring Console simulator' : key === 'simulator.ticketingPort' ? 'the ticketing simulator' : 'the mail sink';
    const flag = key === 'simulator.consolePort' ? ' (or --console-port)' : key === 'simulator.ticketingPort' ? ' (or --ticketing-port)' : ' (and simulator.mailHttpPort)';
    super(
      `port ${port} on ${host} is already in use, so ${what} cannot listen there ` +
        `(is escalatord with simulator.enabled already running?); set ${key}${flag} to a free port, or 0 for any`,
    );
  }
}

export interface Simulators {
  console: ConsoleSimulator;
  ticketing: TicketingSimulator;
  /** The demo's SMTP sink, when `simulator.mailSink` is on. */
  mail: MailSink | null;
  /** Starts them all; safe to call twice. */
  start(): Promise<{ consoleUrl: string; ticketingUrl: string; mailSmtpPort: number | null; mailUrl: string | null }>;
  /** Stops both, each even when the other fails; safe to call twice. */
  stop(): Promise<void>;
}

export function createSimulators(cfg: Config['simulator'], options: SimulatorsOptions = {}): Simulators {
  const logger = options.logger ?? defaultSimulatorLogger('simulator');
  const host = options.host ?? '127.0.0.1';
  const consoleSim = new ConsoleSimulator({
    host,
    port: cfg.consolePort,
    servers: cfg.servers,
    customers: cfg.customers,
    seed: options.seed,
    faultRate: cfg.faultRate,
    faultInterval: cfg.faultInterval,
    token: options.consoleToken,
    push: cfg.pushWebhooks ? options.push : undefined,
    logger: logger.child({ component: 'console-simulator' }),
    now: options.now,
  });
  if (cfg.pushWebhooks && !options.push) logger.warn('simulator.pushWebhooks is on but no push target was given; pushes are off');
  const ticketing = new TicketingSimulator({
    host,
    port: cfg.ticketingPort,
    token: options.ticketingToken,
    callback: options.ticketingCallback,
    stateFile: options.ticketingStateFile,
    logger: logger.child({ component: 'ticketing-simulator' }),
    now: options.now,
  });
  const mail = cfg.mailSink
    ? new MailSink({ host, smtpPort: cfg.mailSmtpPort, httpPort: cfg.mailHttpPort, logger: logger.child({ component: 'mail-sink' }), now: options.now })
    : null;
  return {
    console: consoleSim,
    ticketing,
    mail,
    async start() {
      const [c, t, m] = await Promise.allSettled([consoleSim.start(), ticketing.start(), mail ? mail.start() : Promise.resolve(null)]);
      if (c.status === 'fulfilled' && t.status === 'fulfilled' && m.status === 'fulfilled') {
        return { consoleUrl: c.value.url, ticketingUrl: t.value.url, mailSmtpPort: m.value?.smtpPort ?? null, mailUrl: m.value?.httpUrl ?? null };
      }
      // None is left listening when another could not start.
      await Promise.allSettled([consoleSim.stop(), ticketing.stop(), mail?.stop()]);
      if (c.status === 'rejected') throw explain(c.reason, 'simulator.consolePort', host, cfg.consolePort);
      if (t.status === 'rejected') throw explain(t.reason, 'simulator.ticketingPort', host, cfg.ticketingPort);
      throw explain((m as PromiseRejectedResult).reason, 'simulator.mailSmtpPort', host, cfg.mailSmtpPort);
    },
    async stop() {
      const results = await Promise.allSettled([consoleSim.stop(), ticketing.stop(), mail?.stop()]);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}

function explain(err: unknown, key: SimulatorPortInUseError['key'], host: string, port: number): unknown {
  return (err as NodeJS.ErrnoException)?.code === 'EADDRINUSE' ? new SimulatorPortInUseError(key, host, port) : err;
}
