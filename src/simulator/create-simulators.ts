// Builds both simulators from the `simulator` section of the configuration, for the daemon's composition
// root (when `simulator.enabled`) and for the standalone entry point. It does not look at `enabled`:
// the caller decides whether to build them at all.
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { ConsoleSimulator } from './console-simulator.js';
import { defaultSimulatorLogger } from './http-server.js';
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
  constructor(readonly key: 'simulator.consolePort' | 'simulator.ticketingPort', readonly host: string, readonly port: number) {
    super(
      `port ${port} on ${host} is already in use, so the ${key === 'simulator.consolePort' ? 'Monitoring Console' : 'ticketing'} simulator cannot listen there ` +
        `(is escalatord with simulator.enabled already running?); set ${key} (or --${key === 'simulator.consolePort' ? 'console' : 'ticketing'}-port) to a free port, or 0 for any`,
    );
  }
}

export interface Simulators {
  console: ConsoleSimulator;
  ticketing: TicketingSimulator;
  /** Starts both; safe to call twice. */
  start(): Promise<{ consoleUrl: string; ticketingUrl: string }>;
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
  return {
    console: consoleSim,
    ticketing,
    async start() {
      const [c, t] = await Promise.allSettled([consoleSim.start(), ticketing.start()]);
      if (c.status === 'fulfilled' && t.status === 'fulfilled') return { consoleUrl: c.value.url, ticketingUrl: t.value.url };
      // Neither is left listening when the other could not start.
      await Promise.allSettled([consoleSim.stop(), ticketing.stop()]);
      if (c.status === 'rejected') throw explain(c.reason, 'simulator.consolePort', host, cfg.consolePort);
      throw explain((t as PromiseRejectedResult).reason, 'simulator.ticketingPort', host, cfg.ticketingPort);
    },
    async stop() {
      const results = await Promise.allSettled([consoleSim.stop(), ticketing.stop()]);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}

function explain(err: unknown, key: SimulatorPortInUseError['key'], host: string, port: number): unknown {
  return (err as NodeJS.ErrnoException)?.code === 'EADDRINUSE' ? new SimulatorPortInUseError(key, host, port) : err;
}
