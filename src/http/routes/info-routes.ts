// Read-only endpoints around the API: who am I, the SLA summary, the OpenAPI document, the metrics
// scrape and the dashboard's static files.
import { readFileSync } from 'node:fs';
import express, { Router } from 'express';
import type { Registry } from 'prom-client';
import { clockSummaryState } from '../../domain/sla.js';
import { CLOCK_NAMES, PRIORITIES } from '../../domain/types.js';
import type { StoreReader } from '../../store/port.js';
import { READ_ROLES, requireAuth, type TokenAuthenticator } from '../auth.js';

export interface InfoRoutesDeps {
  auth: TokenAuthenticator;
  read: StoreReader;
  registry: Registry;
  now: () => Date;
  webRoot: string;
  openapiPath: string;
  /** Content-Security-Policy and friends for the dashboard's files. */
  dashboardHeaders?: express.RequestHandler;
}

type Counts = { running: number; atRisk: number; breached: number; met: number; paused: number };

/** Clock states of the open incidents, per priority (resolved incidents' clocks are history, not work). */
export async function slaSummary(read: StoreReader, now: Date): Promise<Record<string, Record<string, Counts>>> {
  const out: Record<string, Record<string, Counts>> = {};
  for (const p of PRIORITIES) {
    out[p] = {};
    for (const c of CLOCK_NAMES) out[p][c] = { running: 0, atRisk: 0, breached: 0, met: 0, paused: 0 };
  }
  for (const incident of await read.incidents.open()) {
    if (!incident.sla) continue;
    for (const c of CLOCK_NAMES) {
      const state = clockSummaryState(incident.sla[c], now);
      const bucket = out[incident.priority][c];
      if (state === 'running') bucket.running++;
      else if (state === 'at-risk') bucket.atRisk++;
      else if (state === 'breached') bucket.breached++;
      else if (state === 'met') bucket.met++;
      else if (state === 'paused') bucket.paused++;
    }
  }
  return out;
}

export function createInfoRouter(deps: InfoRoutesDeps): Router {
  const router = Router();
  const read = requireAuth(deps.auth, READ_ROLES);
  const openapi = readFileSync(deps.openapiPath, 'utf8');

  router.get('/api/v1/whoami', requireAuth(deps.auth), (req, res) => {
    res.json(req.principal);
  });
  router.get('/api/v1/sla/summary', read, async (_req, res) => {
    res.json({ at: deps.now().toISOString(), priorities: await slaSummary(deps.read, deps.now()) });
  });
  router.get('/openapi.json', (_req, res) => {
    res.type('application/json').send(openapi);
  });
  // Prometheus scrapes without a token, as it does everywhere; the metrics carry no ids or secrets.
  router.get('/metrics', async (_req, res) => {
    res.type(deps.registry.contentType).send(await deps.registry.metrics());
  });
  if (deps.dashboardHeaders) router.use(deps.dashboardHeaders);
  router.use(express.static(deps.webRoot, { index: 'index.html', maxAge: 0, fallthrough: true }));
  return router;
}
