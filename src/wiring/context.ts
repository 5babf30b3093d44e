// What every wiring step of the composition root shares: the configuration, the clock, a logger per
// component, and the few facts derived from the configuration that several steps need.
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';

/** The console the built-in simulator stands for when no console is configured. */
export const SIM_CONSOLE_ID = 'sim';

export interface Wiring {
  config: Config;
  logger: Logger;
  now: () => Date;
  log: (component: string) => Logger;
  /** Where people and vendors reach the daemon (links in tickets, mail and Teams cards). */
  publicUrl: string;
  /** The consoles polled: the configured ones, or the built-in simulator's. */
  consoleIds: string[];
}

export function wiring(config: Config, logger: Logger, now: () => Date): Wiring {
  const consoleIds = config.consoles.length > 0 ? config.consoles.map((c) => c.id) : config.simulator.enabled ? [SIM_CONSOLE_ID] : [];
  return {
    config, logger, now, consoleIds,
    log: (component) => logger.child({ component }),
    publicUrl: config.server.publicUrl ?? `http://${config.server.host}:${config.server.port}`,
  };
}
