// A real express server on 127.0.0.1:0 with the ingest and server routers over a real store, for the
// ingest integration tests. Not a test file itself.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { configSchema, type Config } from '../../src/config/schema.js';
import { createHttpApp } from '../../src/http/app.js';
import { TokenAuthenticator } from '../../src/http/auth.js';
import { consoleFastPath } from '../../src/http/console-fast-path.js';
import { consoleIngest, createIngestRouter, type IngestRouterDeps } from '../../src/http/routes/ingest-routes.js';
import { createServerRouter } from '../../src/http/routes/server-routes.js';
import { ComponentStateService } from '../../src/ingest/component-state.js';
import { createMetrics, type Metrics } from '../../src/observability/metrics.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import type { Server as StoredServer, Store } from '../../src/store/port.js';
import { Transactor } from '../../src/store/transactor.js';

export const TOKENS = {
  ingest: 'ingest-token-0123456789',
  admin: 'admin-token-01234567890',
  viewer: 'viewer-token-0123456789',
  l2: 'l2-token-012345678901234',
};
export const SECRET = 'whsec_c2VjcmV0LWtleS1mb3ItdGVzdHMtMDEyMzQ1Njc4OQ==';
export const OLD_SECRET = 'an-older-secret-0123456789';

export function testConfig(overrides: Record<string, unknown> = {}): Config {
  return configSchema.parse({
    auth: {
      tokens: [
        { name: 'am', role: 'ingest', token: TOKENS.ingest },
        { name: 'root', role: 'admin', token: TOKENS.admin },
        { name: 'look', role: 'viewer', token: TOKENS.viewer },
        { name: 'desk', role: 'l2', token: TOKENS.l2 },
      ],
    },
    ingest: { console: { secret: [SECRET, OLD_SECRET] } },
    server: { bodyLimit: '64kb' },
    customers: [{ id: 'acme', name: 'Acme Ltd' }],
    ...overrides,
  });
}

export interface Harness {
  url: string;
  store: Store;
  metrics: Metrics;
  registry: Registry;
  setReady(ready: boolean): void;
  /** Requests express answered (those the console fast path did not take). */
  expressRequests(): number;
  /** Every stored server by id, read through the port (a null-prototype record: ids come from outside). */
  servers(): Promise<Record<string, StoredServer>>;
  /** The sequence number of the newest event: unchanged means nothing was committed with an event. */
  lastSeq(): Promise<number>;
  close(): Promise<void>;
}

export async function startHarness(opts: {
  store?: Store; config?: Config; verify?: IngestRouterDeps['verify']; now?: () => Date;
  /** Console reports through the fast path in front of express, as the daemon serves them (default), or through express alone. */
  fastPath?: boolean;
} = {}): Promise<Harness> {
  const config = opts.config ?? testConfig();
  const store = opts.store ?? new MemoryStore();
  await store.open();
  const now = opts.now ?? (() => new Date());
  const logger = pino({ level: 'silent' });
  const registry = new Registry();
  const metrics = createMetrics(registry, { consoleIds: config.consoles.map((c) => c.id) });
  const transactor = new Transactor({ store, now });
  const components = new ComponentStateService({ transactor, handler: { onChanges: async () => undefined }, dedupRetentionMs: config.storage.dedupRetention });
  const auth = new TokenAuthenticator(config.auth.tokens);
  let ready = true;
  const isReady = () => ready && store.healthy;
  const secret = config.ingest.console.secret;
  const ingestDeps: IngestRouterDeps = {
    auth, components, metrics, logger, isReady, now,
    consoleSecrets: secret === undefined ? [] : Array.isArray(secret) ? secret : [secret],
    toleranceMs: config.ingest.console.tolerance,
    mapping: config.ingest.alertmanager.mapping,
    bodyLimit: config.server.bodyLimit,
    verify: opts.verify,
  };
  const servers = createServerRouter({ auth, read: store.read, customers: config.customers });
  const consoleWork = consoleIngest(ingestDeps);
  const app = createHttpApp({ logger, isReady, routers: [createIngestRouter(ingestDeps, consoleWork), servers] });
  const fast = opts.fastPath === false ? () => false : consoleFastPath(consoleWork, logger);
  let viaExpress = 0;
  const server: Server = createServer((req, res) => {
    if (fast(req, res)) return;
    viaExpress += 1;
    void app(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    store,
    metrics,
    registry,
    expressRequests: () => viaExpress,
    setReady: (r) => {
      ready = r;
    },
    async servers() {
      const out = Object.create(null) as Record<string, StoredServer>;
      for (const s of await store.read.servers.all()) out[s.id] = s;
      return out;
    },
    lastSeq: () => store.read.events.latestSeq(),
    close: async () => {
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
      await store.close();
    },
  };
}

/** The value of one series in the registry's text exposition, or undefined. */
export async function metricValue(registry: Registry, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const value = (metric?.values as Array<{ labels: Record<string, string | number>; value: number }> | undefined)
    ?.find((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want));
  return value?.value;
}
