// The outbox dispatcher against the in-memory store, a scripted fake adapter and a FakeScheduler whose
// clock moves only when a test advances it: order per incident, backoff and Retry-After, dead letters,
// and the circuit breaker's effect on attempts. No real timers: the wake-ups are jobs on the scheduler.
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeScheduler } from '../../src/cluster/fake-scheduler.js';
import { createIncident } from '../../src/domain/incident.js';
import type { Incident, LoggedEvent } from '../../src/domain/types.js';
import { DiagnosticsService } from '../../src/console/diagnostics.js';
import { Notifier } from '../../src/notify/notifier.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { Transactor } from '../../src/store/transactor.js';
import type { OutboxItem } from '../../src/store/port.js';
import type { CreatedTicket, TicketAdapter, TicketCommentKind, TicketCreateRequest } from '../../src/tickets/adapter.js';
import { OutboxDispatcher, mayHaveAddedOutboxItems, type DispatcherDeps } from '../../src/outbox/dispatcher.js';
import { TicketError } from '../../src/tickets/ticket-error.js';

const T0 = Date.parse('2026-11-25T10:00:00Z');
const BASE = 1_000;
/** The one clock of a test; each test gets a new one at T0. */
let clock: FakeScheduler;
const now = () => clock.now();

type Call = { op: 'create' | 'comment' | 'resolve'; at: number; key?: string; ticketId?: string; kind?: TicketCommentKind; externalId?: string };
type Step = TicketError | 'ok' | { hold: Promise<void> };

/** A ticketing system that answers from a script per operation ('ok' once the script runs out). */
class FakeAdapter implements TicketAdapter {
  readonly name = 'generic' as const;
  readonly calls: Call[] = [];
  readonly script: Record<Call['op'], Step[]> = { create: [], comment: [], resolve: [] };
  /** Set to answer as ServiceNow does: a number a person reads beside the id the API needs. */
  withNumber = false;
  private next = 0;

  async create(req: TicketCreateRequest, idempotencyKey: string): Promise<CreatedTicket> {
    this.calls.push({ op: 'create', at: now().getTime(), key: idempotencyKey, externalId: req.externalId });
    await this.play('create');
    this.next += 1;
    return { id: `T-${this.next}`, url: `http://tickets.test/T-${this.next}`, ...(this.withNumber ? { number: `INC00${this.next}` } : {}) };
  }

  async comment(ticketId: string, _body: string, kind: TicketCommentKind): Promise<void> {
    this.calls.push({ op: 'comment', at: now().getTime(), ticketId, kind });
    await this.play('comment');
  }

  async resolve(ticketId: string): Promise<void> {
    this.calls.push({ op: 'resolve', at: now().getTime(), ticketId });
    await this.play('resolve');
  }

  count(op: Call['op']): number {
    return this.calls.filter((c) => c.op === op).length;
  }

  private async play(op: Call['op']): Promise<void> {
    const step = this.script[op].shift() ?? 'ok';
    if (step === 'ok') return;
    if (step instanceof TicketError) throw step;
    await step.hold;
  }
}

const serverError = () => new TicketError('server-error', 'POST /tickets answered 503', { retryable: true, status: 503 });

function makeIncident(id: string): Incident {
  const incident = createIncident({
    id, type: 'fault', title: `backup failed on srv-${id}`, serverId: `srv-${id}`, customerId: 'acme', component: 'backup',
    componentKind: 'software', source: 'poll', priority: 'P2', level: 3, reporter: null, symptoms: [], requestType: null,
    detectedAt: new Date(T0).toISOString(), actor: { kind: 'system', name: 'escalatord' },
  }, new Date(T0));
  return { ...incident, ticket: { adapter: '', id: null, url: null, state: 'pending' } };
}

describe('OutboxDispatcher', () => {
  let store: MemoryStore;
  let transactor: Transactor;
  let adapter: FakeAdapter;
  let registry: Registry;
  let metrics: ReturnType<typeof createMetrics>;
  let dispatcher: OutboxDispatcher;

  beforeEach(async () => {
    clock = new FakeScheduler(new Date(T0));
    store = new MemoryStore();
    await store.open();
    transactor = new Transactor({ store, now });
    adapter = new FakeAdapter();
    registry = new Registry();
    metrics = createMetrics(registry, { consoleIds: [], ticketAdapter: 'generic' });
    dispatcher = build();
  });

  function build(ticketing: Partial<DispatcherDeps['ticketing']> = {}): OutboxDispatcher {
    return new OutboxDispatcher({
      transactor, adapter, metrics,
      logger: pino({ level: 'silent' }), now, publicUrl: 'http://escalatord.test',
      diagnostics: new DiagnosticsService({ sources: new Map(), timeoutMs: 1000, maxBytes: 4096, now }),
      notifier: new Notifier({ channels: [], timeoutMs: 1000, now }),
      ticketing: { maxAttempts: 10, backoffBase: BASE, backoffCap: 60_000, breakerThreshold: 100, breakerCooldown: 10_000, diagnosticsMaxBytes: 4096, ...ticketing },
      // The top of the jitter window, so the delays are exactly base * 2^attempt.
      random: () => 1,
    });
  }

  afterEach(async () => {
    await dispatcher.stop();
    await clock.stop();
  });

  async function seed(id: string, items: Array<Pick<OutboxItem, 'kind' | 'payload'>>): Promise<void> {
    await transactor.run((tx) => {
      tx.incidents.put(makeIncident(id));
      for (const item of items) tx.enqueue({ ...item, incidentId: id });
    });
  }

  /** Lets every chain that waits only on promises (the memory store, the fake adapter) finish. */
  const macrotask = () => new Promise<void>((r) => setImmediate(r));
  /** Lets promise chains run, and what is due run, without moving the clock. */
  const settle = () => advance(0);
  /**
   * Moves the clock `ms` forward, running each wake-up at its own instant and letting what it started
   * finish before looking for the next, so a retry set by one attempt is due when that attempt says.
   */
  async function advance(ms: number): Promise<void> {
    const end = clock.now().getTime() + ms;
    for (;;) {
      await macrotask();
      const next = clock.pending()[0];
      if (!next || next.dueAt.getTime() > end) break;
      await clock.advanceTo(next.dueAt);
    }
    await clock.advanceTo(new Date(end));
    await macrotask();
  }
  const metric = async (name: string, labels: Record<string, string> = {}) =>
    (await registry.getSingleMetric(name)!.get()).values
      .filter((v) => Object.entries(labels).every(([k, want]) => (v.labels as Record<string, unknown>)[k] === want))
      .reduce((sum, v) => sum + v.value, 0);

  /** What the store holds, read through the port. */
  const outbox = (incidentId = 'INC-1') => store.read.outbox.forIncident(incidentId);
  const pending = () => store.read.outbox.pending();
  const deadLetters = () => store.read.outbox.deadLetters(100);
  const incident = async (id: string) => (await store.read.incidents.get(id))!;
  const events = async () => (await store.read.events.since(0, 10_000)) ?? [];

  it('sends an incident\'s ticket creation before its comment, and the comment goes to the ticket just made', async () => {
    let release!: () => void;
    adapter.script.create.push({ hold: new Promise<void>((r) => (release = r)) });
    await seed('INC-1', [
      { kind: 'ticket.create', payload: { reason: 'software-failure' } },
      { kind: 'ticket.comment', payload: { kind: 'recovery', body: 'recovered' } },
    ]);
    dispatcher.start(clock);
    await advance(10_000);
    expect(adapter.calls.map((c) => c.op)).toEqual(['create']);

    release();
    await settle();
    await advance(100);
    expect(adapter.calls.map((c) => c.op)).toEqual(['create', 'comment']);
    expect(adapter.calls[1].ticketId).toBe('T-1');
    expect(await pending()).toBe(0);
    expect((await incident('INC-1')).ticket).toMatchObject({ id: 'T-1', state: 'created' });
  });

  it('keeps the ticket\'s number beside its id, so the vendor may name the ticket by either', async () => {
    adapter.withNumber = true;
    await seed('INC-1', [{ kind: 'ticket.create', payload: {} }]);
    dispatcher.start(clock);
    await advance(100);
    expect((await incident('INC-1')).ticket).toMatchObject({ id: 'T-1', number: 'INC001', state: 'created' });
  });

  it('sends the creations of different incidents side by side, one slow create holding back no other', async () => {
    let release!: () => void;
    adapter.script.create.push({ hold: new Promise<void>((r) => (release = r)) });
    await seed('INC-1', [{ kind: 'ticket.create', payload: {} }]);
    await seed('INC-2', [{ kind: 'ticket.create', payload: {} }]);
    dispatcher.start(clock);
    await settle();
    expect(adapter.calls.map((c) => c.externalId)).toEqual(['INC-1', 'INC-2']);
    expect((await incident('INC-2')).ticket?.state).toBe('created');
    expect((await incident('INC-1')).ticket?.state).toBe('pending');
    release();
    await settle();
    expect((await incident('INC-1')).ticket?.state).toBe('created');
  });

  it('retries a retryable failure after full-jitter exponential backoff, with the incident id as the idempotency key every time', async () => {
    adapter.script.create.push(serverError(), serverError());
    await seed('INC-1', [{ kind: 'ticket.create', payload: {} }]);
    dispatcher.start(clock);
    await settle();
    expect(adapter.count('create')).toBe(1);
    expect((await outbox())[0]).toMatchObject({ attempts: 1, nextAttemptAt: new Date(T0 + BASE).toISOString() });
    expect((await outbox())[0].lastError).toMatch(/server-error/);

    await advance(BASE - 1);
    expect(adapter.count('create')).toBe(1);
    await advance(1);
    expect(adapter.count('create')).toBe(2);

    // The second retry waits twice as long.
    await advance(2 * BASE - 1);
    expect(adapter.count('create')).toBe(2);
    await advance(1);
    expect(adapter.count('create')).toBe(3);

    expect(adapter.calls.map((c) => c.at - T0)).toEqual([0, BASE, 3 * BASE]);
    expect(new Set(adapter.calls.map((c) => c.key))).toEqual(new Set(['INC-1']));
    expect(await pending()).toBe(0);
    expect((await incident('INC-1')).ticket).toMatchObject({ id: 'T-1', state: 'created' });
  });

  it('waits as long as Retry-After asks when that is longer than the backoff', async () => {
    adapter.script.create.push(new TicketError('rate-limited', 'POST /tickets answered 429', { retryable: true, status: 429, retryAfterMs: 30_000 }));
    await seed('INC-1', [{ kind: 'ticket.create', payload: {} }]);
    dispatcher.start(clock);
    await settle();
    expect((await outbox())[0].nextAttemptAt).toBe(new Date(T0 + 30_000).toISOString());
    await advance(29_999);
    expect(adapter.count('create')).toBe(1);
    await advance(1);
    expect(adapter.count('create')).toBe(2);
    expect(await pending()).toBe(0);
  });

  it('dead-letters a 4xx at once: counted, announced, the ticket marked failed, and never retried', async () => {
    adapter.script.create.push(new TicketError('client-error', 'POST /tickets answered 400', { retryable: false, status: 400 }));
    await seed('INC-1', [{ kind: 'ticket.create', payload: {} }]);
    dispatcher.start(clock);
    await settle();

    expect(await pending()).toBe(0);
    expect(await deadLetters()).toHaveLength(1);
    expect((await deadLetters())[0]).toMatchObject({ kind: 'ticket.create', incidentId: 'INC-1', status: 400 });
    expect((await incident('INC-1')).ticket?.state).toBe('failed');
    const failed = (await events()).filter((e) => e.type === 'ticket.failed');
    expect(failed).toHaveLength(1);
    expect(failed[0].data).toMatchObject({ incidentId: 'INC-1', operation: 'create', reason: 'client-error', status: 400 });
    expect(await metric('escalatord_ticket_dead_letters_total')).toBe(1);

    await advance(600_000);
    expect(adapter.count('create')).toBe(1);
  });

  it('dead-letters an item once maxAttempts retryable failures have been made', async () => {
    adapter.script.create.push(...Array.from({ length: 10 }, serverError));
    await seed('INC-1', [{ kind: 'ticket.create', payload: {} }]);
    dispatcher.start(clock);
    await advance(3_600_000);
    expect(adapter.count('create')).toBe(10);
    expect(await pending()).toBe(0);
    expect((await deadLetters())[0].reason).toMatch(/server-error/);
  });

  it('does not count a refusal by the open circuit breaker as an attempt', async () => {
    const breaking = build({ maxAttempts: 2, breakerThreshold: 1, breakerCooldown: 60_000 });
    adapter.script.create.push(serverError());
    await seed('INC-1', [{ kind: 'ticket.create', payload: {} }]);
    breaking.start(clock);
    try {
      await settle();
      expect((await outbox())[0].attempts).toBe(1);
      // The retry is due after 1 s, but the breaker stays open for a minute: refused without a call.
      await advance(BASE);
      expect(adapter.count('create')).toBe(1);
      expect(await metric('escalatord_ticket_requests_total', { outcome: 'circuit-open' })).toBeGreaterThanOrEqual(1);
      // With maxAttempts 2, counting the refusal would have dead-lettered the ticket.
      expect(await deadLetters()).toEqual([]);
      expect((await outbox())[0]).toMatchObject({ attempts: 1 });
      expect((await outbox())[0].lastError).toMatch(/circuit-open/);

      await advance(60_000);
      expect(adapter.count('create')).toBe(2);
      expect(await pending()).toBe(0);
      expect((await incident('INC-1')).ticket?.state).toBe('created');
    } finally {
      await breaking.stop();
    }
  });

  it('keeps a comment waiting, without calling the ticketing system, while the incident\'s ticket creation has failed', async () => {
    adapter.script.create.push(new TicketError('client-error', 'POST /tickets answered 422', { retryable: false, status: 422 }));
    await seed('INC-1', [
      { kind: 'ticket.create', payload: {} },
      { kind: 'ticket.comment', payload: { kind: 'recovery', body: 'recovered' } },
    ]);
    dispatcher.start(clock);
    await advance(1_000);
    expect(adapter.calls.map((c) => c.op)).toEqual(['create']);
    // Only the creation is dead-lettered; the comment waits for a retried creation (issue 11).
    expect((await deadLetters()).map((d) => d.kind)).toEqual(['ticket.create']);
    expect(await metric('escalatord_ticket_dead_letters_total')).toBe(1);
    expect((await incident('INC-1')).ticket).toMatchObject({ state: 'failed', error: expect.stringMatching(/client-error/) });
    const [waiting] = await outbox();
    expect(waiting).toMatchObject({ kind: 'ticket.comment', lastError: 'waiting for the ticket' });

    // It looks again now and then, and keeps waiting without a call while the creation stays failed.
    await advance(10 * 60_000);
    expect(adapter.calls.map((c) => c.op)).toEqual(['create']);
    expect((await outbox()).map((o) => o.kind)).toEqual(['ticket.comment']);
    expect(await deadLetters()).toHaveLength(1);
  });

  it('sends a waiting comment to the ticket as soon as a retried creation succeeds', async () => {
    adapter.script.create.push(new TicketError('client-error', 'POST /tickets answered 400', { retryable: false, status: 400 }));
    await seed('INC-1', [
      { kind: 'ticket.create', payload: {} },
      { kind: 'ticket.comment', payload: { kind: 'sla', body: 'SLA warning' } },
    ]);
    dispatcher.start(clock);
    await advance(1_000);
    expect((await outbox()).map((o) => o.kind)).toEqual(['ticket.comment']);

    // What the retry route does: the creation goes back on the lane, ahead of the comment waiting there.
    await transactor.run(async (tx) => {
      const current = (await tx.incidents.get('INC-1'))!;
      tx.incidents.put({ ...current, ticket: { ...current.ticket!, state: 'pending' } });
      const waiting = await tx.outbox.forIncident('INC-1');
      tx.enqueue({ kind: 'ticket.create', incidentId: 'INC-1', payload: { retry: true } });
      for (const w of waiting) {
        tx.outbox.remove(w.id);
        tx.enqueue({ kind: w.kind, incidentId: w.incidentId, payload: w.payload as Record<string, unknown> });
      }
    });
    dispatcher.kick();
    await settle();
    await advance(100);
    expect(adapter.calls.map((c) => [c.op, c.ticketId ?? null])).toEqual([['create', null], ['create', null], ['comment', 'T-1']]);
    expect(await pending()).toBe(0);
    expect((await incident('INC-1')).ticket).toMatchObject({ id: 'T-1', state: 'created' });
  });

  /** An incident whose ticket T-7 exists (as far as escalatord knows), with `kind` waiting to go to it. */
  async function seedWithTicket(id: string, kind: 'ticket.comment' | 'ticket.resolve'): Promise<void> {
    await transactor.run((tx) => {
      tx.incidents.put({ ...makeIncident(id), ticket: { adapter: 'generic', id: 'T-7', url: 'http://tickets.test/T-7', state: 'created' } });
      tx.enqueue({ kind, incidentId: id, payload: kind === 'ticket.comment' ? { kind: 'recovery', body: 'recovered' } : { note: 'fixed' } });
    });
  }
  const notFound = () => new TicketError('client-error', 'POST /tickets/T-7/comments answered 404', { retryable: false, status: 404 });

  it.each(['ticket.comment', 'ticket.resolve'] as const)('marks the ticket missing (shown, counted, announced) when a %s is answered 404', async (kind) => {
    adapter.script[kind === 'ticket.comment' ? 'comment' : 'resolve'].push(notFound());
    await seedWithTicket('INC-1', kind);
    dispatcher.start(clock);
    await settle();

    expect((await incident('INC-1')).ticket).toMatchObject({ id: 'T-7', state: 'missing', error: expect.stringMatching(/404/) });
    expect(await metric('escalatord_tickets_missing_total')).toBe(1);
    expect(await metric('escalatord_ticket_dead_letters_total')).toBe(1);
    expect((await deadLetters())[0]).toMatchObject({ kind, status: 404 });
    const failed = (await events()).filter((e) => e.type === 'ticket.failed');
    expect(failed.map((e) => (e.data as { incident: { ticket: { state: string } } }).incident.ticket.state)).toEqual(['missing']);

    // Later calls for a ticket that is gone are dropped, not sent to a 404 again.
    await transactor.run((tx) => tx.enqueue({ kind: 'ticket.comment', incidentId: 'INC-1', payload: { kind: 'note', body: 'again' } }));
    dispatcher.kick();
    await advance(60_000);
    expect(adapter.calls).toHaveLength(1);
    expect(await metric('escalatord_tickets_missing_total')).toBe(1);
  });

  it('does not call a ticket missing for a refusal other than 404', async () => {
    adapter.script.comment.push(new TicketError('client-error', 'POST /tickets/T-7/comments answered 400', { retryable: false, status: 400 }));
    await seedWithTicket('INC-1', 'ticket.comment');
    dispatcher.start(clock);
    await settle();
    expect((await incident('INC-1')).ticket).toMatchObject({ id: 'T-7', state: 'created' });
    expect(await metric('escalatord_tickets_missing_total')).toBe(0);
    expect(await metric('escalatord_ticket_dead_letters_total')).toBe(1);
  });

  it('keeps one wake-up on the scheduler it is given, at maxIdle when nothing waits, and leaves none behind when stopped', async () => {
    dispatcher.start(clock);
    await settle();
    expect(clock.pending()).toEqual([{ name: 'outbox', dueAt: new Date(T0 + 5_000) }]);
    // An item added without a kick (by another instance, say) is picked up at that wake-up.
    await seed('INC-1', [{ kind: 'ticket.create', payload: {} }]);
    await advance(4_999);
    expect(adapter.count('create')).toBe(0);
    await advance(1);
    expect(adapter.count('create')).toBe(1);
    expect(adapter.calls[0].at - T0).toBe(5_000);

    await dispatcher.stop();
    expect(clock.has('outbox')).toBe(false);
    await seed('INC-2', [{ kind: 'ticket.create', payload: {} }]);
    await advance(60_000);
    expect(adapter.count('create')).toBe(1);
  });

  it('sends the ticket while a failing diagnostics fetch for the same incident keeps retrying', async () => {
    await dispatcher.stop();
    let asked = 0;
    const failing = new DiagnosticsService({
      sources: new Map([['main', { diagnostics: async () => { asked++; throw new Error('console answered 502'); } }]]),
      timeoutMs: 1000, maxBytes: 4096, now,
    });
    dispatcher = new OutboxDispatcher({
      transactor, adapter, metrics, diagnostics: failing,
      logger: pino({ level: 'silent' }), now, publicUrl: 'http://escalatord.test',
      notifier: new Notifier({ channels: [], timeoutMs: 1000, now }),
      ticketing: { maxAttempts: 10, backoffBase: BASE, backoffCap: 60_000, breakerThreshold: 100, breakerCooldown: 10_000, diagnosticsMaxBytes: 4096 },
      random: () => 1,
    });
    await seed('INC-9', [
      { kind: 'diagnostics.fetch', payload: { reason: 'created' } },
      { kind: 'ticket.create', payload: { reason: 'escalation', refreshDiagnostics: true } },
    ]);
    dispatcher.start(clock);
    await settle();
    await advance(50);
    expect(adapter.count('create')).toBe(1);
    expect((await incident('INC-9')).ticket?.state).toBe('created');
    expect(asked).toBeGreaterThanOrEqual(2); // the lane of its own kept trying, in parallel
    expect((await store.read.outbox.forIncident('INC-9')).map((o) => o.kind)).toContain('diagnostics.fetch');
  });
});

describe('which events wake the dispatcher', () => {
  const batch = (...types: LoggedEvent['type'][]): LoggedEvent[] => types.map((type, i) => ({ type, data: {}, seq: i + 1, at: '2026-11-25T10:00:00.000Z' }));
  it.each([
    [['component.changed', 'component.changed'], false],
    [[], false],
    [['component.changed', 'incident.created'], true],
    [['incident.updated'], true],
    [['ticket.created'], true],
    [['sla.warning'], true],
    [['management.escalated'], true],
    [['console.down'], true],
  ] as Array<[LoggedEvent['type'][], boolean]>)('%j → %s', (types, wakes) => {
    expect(mayHaveAddedOutboxItems(batch(...types))).toBe(wakes);
  });
});

