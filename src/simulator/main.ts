// Standalone simulators: `npm run simulator` (node dist/simulator/main.js). Starts the Monitoring Console
// simulator on 9101 and the ticketing simulator on 9102, logs JSON lines to stdout, stops on SIGINT/SIGTERM.
// With `--config FILE` it reads the daemon's configuration: the `simulator` section, and the daemon's
// address, console secret and first `ingest` token to push signed webhooks and vendor events to it.
import { Command, InvalidArgumentError } from 'commander';
import { pino } from 'pino';
import { loadConfigFile, ConfigError } from '../config/load.js';
import { configSchema, type Config } from '../config/schema.js';
import { createSimulators, SimulatorPortInUseError, type SimulatorsOptions } from './create-simulators.js';

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number');
  return n;
}

function fraction(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('expected a number between 0 and 1');
  return n;
}

const program = new Command('escalatord-simulator')
  .description('Monitoring Console and ticketing simulators for escalatord')
  .option('-c, --config <file>', 'read the simulator section (and the daemon address for pushes) from this config file')
  .option('--host <host>', 'address to bind', '127.0.0.1')
  .option('--console-port <port>', 'Monitoring Console simulator port', integer)
  .option('--ticketing-port <port>', 'ticketing simulator port', integer)
  .option('--servers <n>', 'number of servers', integer)
  .option('--customers <n>', 'number of customers', integer)
  .option('--fault-rate <p>', 'probability per server per tick of a random fault', fraction)
  .option('--seed <n>', 'seed for the fleet and the faults', integer, 1)
  .option('--ticketing-state <file>', 'keep the ticketing simulator\'s tickets in this JSON file across restarts')
  .option('--log-level <level>', 'pino log level', 'info');

async function main(): Promise<void> {
  const opts = program.parse().opts<{
    config?: string; host: string; consolePort?: number; ticketingPort?: number; servers?: number;
    customers?: number; faultRate?: number; seed: number; logLevel: string; ticketingState?: string;
  }>();
  const logger = pino({ name: 'escalatord-simulator', level: opts.logLevel, timestamp: pino.stdTimeFunctions.isoTime });
  let config: Config;
  try {
    config = opts.config ? loadConfigFile(opts.config) : configSchema.parse({});
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const cfg: Config['simulator'] = {
    ...config.simulator,
    ...(opts.consolePort !== undefined ? { consolePort: opts.consolePort } : {}),
    ...(opts.ticketingPort !== undefined ? { ticketingPort: opts.ticketingPort } : {}),
    ...(opts.servers !== undefined ? { servers: opts.servers } : {}),
    ...(opts.customers !== undefined ? { customers: opts.customers } : {}),
    ...(opts.faultRate !== undefined ? { faultRate: opts.faultRate } : {}),
  };
  const sims = createSimulators(cfg, { host: opts.host, seed: opts.seed, logger, ticketingStateFile: opts.ticketingState, ...daemonLinks(opts.config ? config : null) });
  const { consoleUrl, ticketingUrl } = await sims.start();
  logger.info({ consoleUrl, ticketingUrl }, 'simulators ready');

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping simulators');
    sims.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'simulators did not stop cleanly');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

/** Push target and callback derived from the daemon's own configuration, when one was given. */
function daemonLinks(config: Config | null): Pick<SimulatorsOptions, 'push' | 'ticketingCallback'> {
  if (!config) return {};
  const base = (config.server.publicUrl ?? `http://${config.server.host === '0.0.0.0' ? '127.0.0.1' : config.server.host}:${config.server.port}`).replace(/\/$/, '');
  const secret = config.ingest.console.secret;
  const firstSecret = Array.isArray(secret) ? secret[0] : secret;
  const ingestToken = config.auth.tokens.find((t) => t.role === 'ingest')?.token;
  return {
    push: firstSecret ? { url: `${base}/api/v1/ingest/console`, secret: firstSecret } : undefined,
    ticketingCallback: { url: `${base}/api/v1/ingest/ticketing`, token: ingestToken },
  };
}

main().catch((err: unknown) => {
  // One line an operator can act on; a stack trace only for what is not a known start-up failure.
  const known = err instanceof SimulatorPortInUseError;
  process.stderr.write(`simulators failed to start: ${known ? err.message : ((err as Error).stack ?? String(err))}\n`);
  process.exit(1);
});
