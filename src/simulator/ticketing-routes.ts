// HTTP routes of the ticketing simulator.
// Ticket API (generic adapter contract, DESIGN §6), behind the optional bearer token:
//   POST /tickets                 Idempotency-Key required; new key → 201 {id,url}, known key → 200, same ticket
//   POST /tickets/:id/comments    {body, kind}; optional Idempotency-Key; kind "resolution" resolves the ticket
//   POST /tickets/:id/resolve     {note?, rootCause?}; idempotent. The generic contract names only comments,
//                                 so resolution is implied by a `resolution` comment; this explicit call
//                                 mirrors the outbox's `ticket.resolve` item ({note, rootCause}).
//   GET  /tickets[?externalId=&serverId=&state=] → {items, nextCursor: null};  GET /tickets/:id
// Control API (no auth): POST /control/fail, DELETE /control/fail, POST /control/latency, GET /control/stats,
//   POST /control/reset, POST /control/tickets/:id/event.
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { bearerAuth, errorHandler, objectBody, problem, requestLog } from './http-server.js';
import { COMMENT_KINDS, VENDOR_EVENTS, type CommentKind, type TicketInput, type VendorEvent } from './ticket-book.js';
import type { TicketingSimulator } from './ticketing-simulator.js';

const PRIORITIES = ['P1', 'P2', 'P3', 'P4'];

export function ticketingApp(sim: TicketingSimulator, logger: Logger): Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use(requestLog(logger));

  const api = express.Router();
  api.use((req, res, next) => injected(sim, req, res, next));
  api.use(bearerAuth(sim.token));
  api.use(express.json({ limit: '2mb' }));
  api.post('/', (req, res) => createTicket(sim, req, res));
  api.get('/', (req, res) => {
    const q = (name: string) => (typeof req.query[name] === 'string' ? (req.query[name] as string) : undefined);
    res.json({ items: sim.book.list({ externalId: q('externalId'), serverId: q('serverId'), state: q('state') }), nextCursor: null });
  });
  api.get('/:id', (req, res) => {
    const ticket = sim.book.get(req.params.id);
    if (!ticket) return problem(res, 404, 'Not Found', `no ticket ${req.params.id}`);
    res.json(ticket);
  });
  api.post('/:id/comments', (req, res) => {
    const ticket = sim.book.get(req.params.id);
    if (!ticket) return problem(res, 404, 'Not Found', `no ticket ${req.params.id}`);
    const body = objectBody(req);
    const invalid: string[] = [];
    if (typeof body?.body !== 'string' || body.body === '') invalid.push('body');
    if (!COMMENT_KINDS.includes(body?.kind as CommentKind)) invalid.push('kind');
    if (invalid.length > 0) return badFields(res, invalid, `kind must be one of ${COMMENT_KINDS.join(', ')}`);
    const { comment, created } = sim.book.comment(ticket, body!.body as string, body!.kind as CommentKind, req.get('idempotency-key') ?? null, sim.now());
    if (created) sim.stats.comments++;
    res.status(created ? 201 : 200).json(comment);
  });
  api.post('/:id/resolve', (req, res) => {
    const ticket = sim.book.get(req.params.id);
    if (!ticket) return problem(res, 404, 'Not Found', `no ticket ${req.params.id}`);
    const body = objectBody(req) ?? {};
    const note = typeof body.note === 'string' ? body.note : null;
    const rootCause = typeof body.rootCause === 'string' ? body.rootCause : null;
    if (ticket.state !== 'resolved') sim.stats.resolves++;
    sim.book.resolve(ticket, { note, rootCause }, sim.now());
    res.json(ticket);
  });
  app.use('/tickets', api);

  const control = express.Router();
  control.use(express.json({ limit: '64kb' }));
  control.post('/fail', (req, res) => {
    const body = objectBody(req) ?? {};
    if (body.status === null || body.status === 0) {
      sim.setFailure(null);
      return res.json({ failure: null });
    }
    const { status, count, retryAfter } = body;
    const invalid: string[] = [];
    if (typeof status !== 'number' || !Number.isInteger(status) || status < 400 || status > 599) invalid.push('status');
    if (count !== undefined && (typeof count !== 'number' || !Number.isInteger(count) || count < 1)) invalid.push('count');
    if (retryAfter !== undefined && (typeof retryAfter !== 'number' || retryAfter < 0)) invalid.push('retryAfter');
    if (invalid.length > 0) return badFields(res, invalid, 'expected {status: 400-599, count?: n ≥ 1, retryAfter?: seconds}');
    sim.setFailure({ status: status as number, remaining: (count as number | undefined) ?? null, retryAfter: (retryAfter as number | undefined) ?? null });
    res.json({ failure: sim.currentFailure() });
  });
  control.delete('/fail', (_req, res) => {
    sim.setFailure(null);
    res.json({ failure: null });
  });
  control.post('/latency', (req, res) => {
    const ms = objectBody(req)?.ms;
    if (typeof ms !== 'number' || ms < 0) return badFields(res, ['ms'], 'ms must be a number ≥ 0');
    sim.latencyMs = ms;
    res.json({ latencyMs: ms });
  });
  control.get('/stats', (_req, res) => {
    res.json({ ...sim.stats, tickets: sim.book.size, failure: sim.currentFailure(), latencyMs: sim.latencyMs });
  });
  control.post('/reset', (_req, res) => {
    sim.reset();
    res.json({ ok: true });
  });
  control.post('/tickets/:id/event', async (req, res) => {
    const ticket = sim.book.get(req.params.id);
    if (!ticket) return problem(res, 404, 'Not Found', `no ticket ${req.params.id}`);
    const body = objectBody(req) ?? {};
    if (!VENDOR_EVENTS.includes(body.event as VendorEvent)) return badFields(res, ['event'], `event must be one of ${VENDOR_EVENTS.join(', ')}`);
    const by = typeof body.by === 'string' && body.by !== '' ? body.by : 'vendor-support-team';
    const note = typeof body.note === 'string' ? body.note : null;
    const { record, callback } = await sim.vendorEvent(ticket, body.event as VendorEvent, by, note);
    res.json({ ticket, event: record, callback });
  });
  app.use('/control', control);

  app.use((_req: Request, res: Response) => problem(res, 404, 'Not Found'));
  app.use(errorHandler(logger));
  return app;
}

function createTicket(sim: TicketingSimulator, req: Request, res: Response): void {
  const key = req.get('idempotency-key');
  if (!key) return problem(res, 400, 'Bad Request', 'the Idempotency-Key header is required', { invalidParams: [{ name: 'Idempotency-Key', reason: 'required' }] });
  const body = objectBody(req);
  if (!body) return badFields(res, ['body'], 'the body must be a JSON object');
  const invalid: string[] = [];
  if (typeof body.title !== 'string' || body.title === '') invalid.push('title');
  if (body.priority !== undefined && !PRIORITIES.includes(body.priority as string)) invalid.push('priority');
  if (body.level !== undefined && (typeof body.level !== 'number' || body.level < 1 || body.level > 4)) invalid.push('level');
  for (const field of ['externalId', 'serverId', 'customerId', 'description'] as const) {
    if (body[field] !== undefined && typeof body[field] !== 'string') invalid.push(field);
  }
  if (invalid.length > 0) return badFields(res, invalid, 'the ticket has invalid fields');
  const { ticket, created } = sim.book.create(body as unknown as TicketInput, key, sim.now(), (id) => sim.urlFor(id));
  if (created) sim.stats.ticketsCreated++;
  else sim.stats.duplicateCreates++;
  res.status(created ? 201 : 200).json({ id: ticket.id, url: ticket.url });
}

/** Counts the request, then applies injected latency and failures, in that order, before anything else. */
async function injected(sim: TicketingSimulator, _req: Request, res: Response, next: NextFunction): Promise<void> {
  sim.stats.requests++;
  if (sim.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, sim.latencyMs));
  const failure = sim.takeFailure();
  if (!failure) return next();
  if (failure.retryAfter !== null) res.setHeader('Retry-After', String(Math.ceil(failure.retryAfter)));
  problem(res, failure.status, 'Injected failure', `the ticketing simulator was told to answer ${failure.status}`);
}

function badFields(res: Response, names: string[], detail: string): void {
  problem(res, 400, 'Bad Request', detail, { invalidParams: names.map((name) => ({ name, reason: 'invalid' })) });
}
