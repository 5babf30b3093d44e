// The composition root: builds every object once, starts them in order and stops them in reverse.
// Nothing else in the daemon calls `new` on a service.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import type { Config } from './config/schema.js';
import { createHttpApp } from './http/app.js';
import { TokenAuthenticator } from './http/auth.js';
import { LowdbStore } from './store/lowdb-store.js';
import type { Store } from './store/types.js';
import { Transactor } from './store/transactor.js';

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
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export function buildDaemon(deps: DaemonDeps): Daemon {
  const { config, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const registry = new Registry();
  const auth = new TokenAuthenticator(config.auth.tokens);
  const store: Store = deps.store ?? new LowdbStore({ path: config.storage.path, onWriteError: (err) => logger.child({ component: 'store' }).error({ err }, 'store write failed') });
  const transactor = new Transactor({ store, now, eventLogSize: config.storage.eventLogSize });

  let ready = false;
  let started = false;
  let stopped = false;
  const isReady = () => ready && store.healthy;

  const app = createHttpApp({ logger: logger.child({ component: 'http' }), isReady, routers: [] });
  const server: Server = createServer({ requestTimeout: 30_000, headersTimeout: 15_000 }, app);
  server.keepAliveTimeout = 5_000;
  let url = '';

  return {
    registry,
    store,
    transactor,
    get url() {
      return url;
    },
    async start() {
      if (started) return;
      started = true;
      if (!LOOPBACK.has(config.server.host) && !auth.configured) {
        throw new Error(`refusing to listen on ${config.server.host} without any auth.tokens configured; bind 127.0.0.1 or configure tokens`);
      }
      await store.open();
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
      ready = true;
      logger.info({ url, store: config.storage.path }, 'escalatord is ready');
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      ready = false;
      // Stop accepting, let in-flight requests finish, then flush the store.
      await new Promise<void>((r) => {
        if (!server.listening) return r();
        server.close(() => r());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), config.server.shutdownTimeout).unref();
      });
      await store.close();
      logger.info('escalatord stopped');
    },
  };
}
