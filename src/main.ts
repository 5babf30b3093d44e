#!/usr/bin/env node
// Entry point: parses argv, loads the configuration, builds the daemon and handles signals.
import { Command } from 'commander';
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from './config/load.js';
import { buildDaemon } from './app.js';
import { createLogger } from './observability/logger.js';

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_CONFIG = resolve(PROJECT_ROOT, 'config/default.yaml');

/** One clear line (or the config's list of problems) on stderr, no stack trace, and the exit code. */
function fail(err: unknown): never {
  if (err instanceof ConfigError) {
    process.stderr.write(`escalatord: ${err.message}\n`);
    process.exit(2);
  }
  const code = (err as { code?: unknown })?.code;
  process.stderr.write(`escalatord: ${err instanceof Error ? err.message : String(err)}${typeof code === 'string' ? ` (${code})` : ''}\n`);
  process.exit(1);
}

async function run(configPath: string): Promise<void> {
  let loaded;
  let daemon;
  let logger;
  try {
    loaded = loadConfig(configPath);
    logger = createLogger({ level: loaded.config.log.level });
    for (const warning of loaded.warnings) logger.warn({ configPath }, `configuration: ${warning}`);
    daemon = buildDaemon({ config: loaded.config, logger, configPath });
  } catch (err) {
    fail(err);
  }
  const config = loaded.config;
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // Hard deadline: a stuck shutdown must not outlive the supervisor's grace period.
    const deadline = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.server.shutdownTimeout + 1500);
    deadline.unref();
    daemon.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  try {
    await daemon.start();
  } catch (err) {
    logger.fatal({ err: { message: (err as Error).message, code: (err as { code?: string }).code } }, 'start-up failed');
    await daemon.stop().catch(() => undefined);
    const e = err as NodeJS.ErrnoException & { port?: number };
    if (e.code === 'EADDRINUSE' && e.port === config.server.port) {
      fail(new Error(`port ${config.server.port} on ${config.server.host} is already in use (is another escalatord running?); set server.port (or ESCALATORD_SERVER__PORT) to a free port`));
    }
    fail(err);
  }
}

const program = new Command()
  .name('escalatord')
  .description('Escalation daemon for Cloud Managed Servers')
  .option('-c, --config <file>', 'configuration file (default: $ESCALATORD_CONFIG or config/default.yaml)')
  .action(async (opts: { config?: string }) => {
    await run(resolve(opts.config ?? process.env.ESCALATORD_CONFIG ?? DEFAULT_CONFIG));
  });

program
  .command('check-config')
  .description('validate a configuration file and list every problem')
  .argument('<file>', 'configuration file')
  .action((file: string) => {
    try {
      const { warnings } = loadConfig(resolve(file));
      for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
      process.stdout.write(`${file}: configuration is valid${warnings.length > 0 ? ` (${warnings.length} warning(s))` : ''}\n`);
    } catch (err) {
      if (err instanceof ConfigError) {
        process.stderr.write(`${err.message}\n`);
        process.exit(1);
      }
      fail(err);
    }
  });

await program.parseAsync(process.argv).catch(fail);
