// HTTP (DESIGN §2, §6): ingest, the REST API, the vendor's ticketing callbacks and the dashboard on one
// server with bounded connections and short header/request timeouts. Console reports skip express where
// the route's own gates would pass them (src/http/console-fast-path.ts).
import type { Server } from 'node:http';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Registry } from 'prom-client';
import type { Leadership } from '../cluster/leadership-factory.js';
import { vendorSyncRules } from '../config/to-domain.js';
import type { ClocksAndManagement } from '../escalation/clocks-and-management.js';
import type { IncidentCommands } from '../escalation/incident-commands.js';
import { createHttpApp } from '../http/app.js';
import type { TokenAuthenticator } from '../http/auth.js';
import { consoleFastPath } from '../http/console-fast-path.js';
import { dashboardHeaders } from '../http/dashboard-headers.js';
import { createAuditRouter } from '../http/routes/audit-routes.js';
import { createClusterRouter } from '../http/routes/cluster-routes.js';
import { createIncidentRouter } from '../http/routes/incident-routes.js';
import { consoleIngest, createIngestRouter, type IngestRouterDeps } from '../http/routes/ingest-routes.js';
import { createInfoRouter } from '../http/routes/info-routes.js';
import { createMaintenanceRouter } from '../http/routes/maintenance-routes.js';
import { createReferenceRouter } from '../http/routes/reference-routes.js';
import { createServerRouter } from '../http/routes/server-routes.js';
import { createTicketingRouter } from '../http/routes/ticketing-routes.js';
import { createVendorTicketingRouter } from '../http/routes/vendor-ticketing-routes.js';
import { countRequestsInFlight, createHttpServer } from '../http/server-limits.js';
import type { ComponentStateService } from '../ingest/component-state.js';
import type { Metrics } from '../observability/metrics.js';
import type { Store } from '../store/port.js';
import type { Wiring } from './context.js';

const SRC_DIR = dirname(fileURLToPath(import.meta.url));
const WEB_ROOT = resolve(SRC_DIR, '../../src/web');
const OPENAPI = resolve(SRC_DIR, '../../src/http/openapi.json');

export interface HttpParts {
  server: Server;
  /** Requests being served: shutdown keeps listening until they finish. */
  inFlight: () => number;
}

export interface HttpDeps {
  auth: TokenAuthenticator;
  registry: Registry;
  metrics: Metrics;
  store: Store;
  leadership: Leadership;
  components: ComponentStateService;
  commands: IncidentCommands;
  clocks: ClocksAndManagement;
  /** Ready to take writes: started, and the store healthy. */
  isReady: () => boolean;
  consoleSecrets: readonly string[];
}

export function wireHttp(w: Wiring, deps: HttpDeps): HttpParts {
  const { config, log, now } = w;
  const { auth, metrics, store, commands, isReady } = deps;
  const bodyLimit = config.server.bodyLimit;
  const ingestDeps: IngestRouterDeps = {
    auth, components: deps.components, metrics, logger: log('ingest'), isReady, now,
    consoleSecrets: deps.consoleSecrets, toleranceMs: config.ingest.console.tolerance, mapping: config.ingest.alertmanager.mapping, bodyLimit,
  };
  const consoleWork = consoleIngest(ingestDeps);
  const app = createHttpApp({
    logger: log('http'),
    isReady,
    routers: [
      createIngestRouter(ingestDeps, consoleWork),
      createTicketingRouter({ auth, commands, metrics, bodyLimit, ready: isReady }),
      createVendorTicketingRouter({
        auth, commands, registry: deps.registry, ingestReports: metrics.ingestReports, logger: log('ticketing'), isReady, bodyLimit,
        ...vendorSyncRules(config),
      }),
      createServerRouter({ auth, read: store.read, customers: config.customers }),
      createIncidentRouter({ auth, read: store.read, commands, management: deps.clocks, bodyLimit, ready: isReady }),
      createMaintenanceRouter({ auth, store, now }),
      createReferenceRouter({ auth, config }),
      createAuditRouter({ auth, store, now, logger: log('audit') }),
      createClusterRouter({ auth, leadership: deps.leadership, engine: store.engine }),
      createInfoRouter({ auth, read: store.read, registry: deps.registry, now, webRoot: WEB_ROOT, openapiPath: OPENAPI, dashboardHeaders: dashboardHeaders() }),
    ],
  });
  const consoleFast = consoleFastPath(consoleWork, log('http'));
  const server = createHttpServer((req, res) => void (consoleFast(req, res) || app(req, res)), {
    maxConnections: config.server.maxConnections, headersTimeoutMs: config.server.headersTimeout, requestTimeoutMs: config.server.requestTimeout,
  });
  return { server, inFlight: countRequestsInFlight(server) };
}
