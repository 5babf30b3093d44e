// HTTP routes of the Monitoring Console simulator: the console API of DESIGN §3 under /api/v1 and the
// control API under /control (unauthenticated: the simulator is a test and demo tool bound to localhost).
import express, { type Express, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { COMPONENT_STATUSES, type ComponentStatus } from '../domain/types.js';
import type { ConsoleControl } from './console-simulator.js';
import { buildDiagnostics } from './diagnostics.js';
import { UnknownComponentError, UnknownServerError } from './fleet-state.js';
import { bearerAuth, errorHandler, objectBody, problem, requestLog } from './http-server.js';

export function consoleApp(sim: ConsoleControl, logger: Logger): Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use(requestLog(logger));

  const api = express.Router();
  api.use((_req, res, next) => {
    // The console itself being down answers 503 before auth, as a load balancer in front of it would.
    if (sim.outage) return problem(res, 503, 'Service Unavailable', 'the monitoring console is down (simulated outage)');
    next();
  });
  api.use(bearerAuth(sim.token));
  api.get('/servers', (_req, res) => {
    res.type('application/json').send(sim.state.serversJson());
  });
  api.get('/servers/:id/status', (req, res) => {
    const body = sim.state.statusJson(req.params.id, sim.now());
    if (body === undefined) return problem(res, 404, 'Not Found', `no server ${req.params.id}`);
    res.type('application/json').send(body);
  });
  api.get('/servers/:id/diagnostics', (req, res) => diagnostics(sim, req, res));
  app.use('/api/v1', api);

  const control = express.Router();
  control.use(express.json({ limit: '64kb' }));
  control.get('/state', (_req, res) => {
    res.json(sim.describe());
  });
  control.post('/servers/:id/components/:name', (req, res) => {
    const body = objectBody(req);
    const status = body?.status;
    if (typeof status !== 'string' || !COMPONENT_STATUSES.includes(status as ComponentStatus)) {
      return problem(res, 400, 'Bad Request', `status must be one of ${COMPONENT_STATUSES.join(', ')}`);
    }
    if (body?.message !== undefined && typeof body.message !== 'string') return problem(res, 400, 'Bad Request', 'message must be a string');
    sim.setComponent(req.params.id, req.params.name, status as ComponentStatus, body?.message as string | undefined);
    res.type('application/json').send(sim.state.statusJson(req.params.id, sim.now()));
  });
  control.post('/servers/:id/reachable', (req, res) => {
    const reachable = objectBody(req)?.reachable;
    if (typeof reachable !== 'boolean') return problem(res, 400, 'Bad Request', 'reachable must be a boolean');
    sim.setReachable(req.params.id, reachable);
    res.type('application/json').send(sim.state.statusJson(req.params.id, sim.now()));
  });
  control.post('/faults', (req, res) => {
    const enabled = objectBody(req)?.enabled;
    if (typeof enabled !== 'boolean') return problem(res, 400, 'Bad Request', 'enabled must be a boolean');
    sim.setFaults(enabled);
    res.json(sim.describe());
  });
  control.post('/outage', (req, res) => {
    const down = objectBody(req)?.down;
    if (typeof down !== 'boolean') return problem(res, 400, 'Bad Request', 'down must be a boolean');
    sim.setOutage(down);
    res.json(sim.describe());
  });
  control.post('/tick', (_req, res) => {
    const changes = sim.tick();
    res.json({ changes });
  });
  control.post('/reset', (_req, res) => {
    sim.reset();
    res.json(sim.describe());
  });
  app.use('/control', control);

  app.use((_req: Request, res: Response) => problem(res, 404, 'Not Found'));
  app.use(notFoundErrors);
  app.use(errorHandler(logger));
  return app;
}

function diagnostics(sim: ConsoleControl, req: Request, res: Response): void {
  const entry = sim.state.server(String(req.params.id));
  if (!entry) return problem(res, 404, 'Not Found', `no server ${req.params.id}`);
  const name = req.query.component;
  if (typeof name !== 'string' || name === '') return problem(res, 400, 'Bad Request', 'the component query parameter is required');
  const component = entry.components.find((c) => c.name === name);
  if (!component) return problem(res, 404, 'Not Found', `server ${entry.server.id} has no component ${name}`);
  // A console cannot collect anything from a server it cannot reach.
  if (!entry.reachable) return problem(res, 504, 'Gateway Timeout', `server ${entry.server.id} is not reachable; diagnostics unavailable`);
  res.json(buildDiagnostics({ server: entry.server, reachable: entry.reachable, component, now: sim.now() }));
}

function notFoundErrors(err: Error, _req: Request, res: Response, next: (err?: unknown) => void): void {
  if (err instanceof UnknownServerError || err instanceof UnknownComponentError) return problem(res, 404, 'Not Found', err.message);
  next(err);
}
