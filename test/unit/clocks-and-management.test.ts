// ClocksAndManagement over the real transactor and the in-memory store, with a clock the test moves by hand:
// the clocks follow each incident transition, and wake() fires each warning and breach exactly once.
import { Registry } from 'prom-client';
import { beforeEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { buildCalendars, CALENDAR_24X7 } from '../../src/domain/calendar.js';
import { buildSlaPolicy } from '../../src/domain/sla.js';
import type { Actor, Incident, LoggedEvent, Role } from '../../src/domain/types.js';
import { IncidentCommands } from '../../src/escalation/incident-commands.js';
import { ClocksAndManagement } from '../../src/escalation/clocks-and-management.js';
import { NotificationOutbox } from '../../src/escalation/notifications.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { Transactor } from '../../src/store/transactor.js';
import { server } from '../helpers/store-conformance.js';

const T0 = Date.parse('2026-11-25T10:00:00.000Z');
const iso = (offsetMs: number) => new Date(T0 + offsetMs).toISOString();

// Every priority on the 24x7 calendar in seconds, so each instant below is T0 plus plain arithmetic.
const config = configSchema.parse({
  sla: {
    warnAt: 0.5,
    priorities: {
      P1: { respond: '10s', progressEvery: '20s', resolve: '60s', calendar: '24x7' },
      P2: { respond: '10s', progressEvery: '20s', resolve: '60s', calendar: '24x7' },
      P3: { respond: '10s', progressEvery: '20s', resolve: '60s', calendar: '24x7' },
      P4: { respond: '10s', progressEvery: '20s', resolve: '60s', calendar: '24x7' },
    },
  },
  management: { workingDay: '24x7', stepWindow: '30s' },
  customers: [{ id: 'acme', name: 'Acme Ltd', authorisedContacts: [{ name: 'Jo Bloggs', email: 'jo@acme.example' }] }],
  requests: [{ type: 'restore-system-image', level: 3 }],
});

const L2: Actor & { role: Role } = { kind: 'user', name: 'l2-desk', role: 'l2' };
const L3: Actor & { role: Role } = { kind: 'user', name: 'vendor-desk', role: 'l3' };

interface World {
  clock: { ms: number };
  store: MemoryStore;
  registry: Registry;
  sla: ClocksAndManagement;
  commands: IncidentCommands;
  rescheduled: string[];
  incident(id: string): Promise<Incident>;
  events(): Promise<LoggedEvent[]>;
  counter(name: string, labels: Record<string, string>): Promise<number>;
}

async function world(): Promise<World> {
  const clock = { ms: T0 };
  const store = new MemoryStore();
  await store.open();
  const transactor = new Transactor({ store, now: () => new Date(clock.ms) });
  // The servers L1 reports faults and requests on, as the console lists them.
  await store.transaction((u) => {
    u.servers.put(server('srv-0001'));
    u.servers.put(server('srv-0002'));
  });
  const registry = new Registry();
  const metrics = createMetrics(registry, { consoleIds: [] });
  const rescheduled: string[] = [];
  const sla = new ClocksAndManagement({
    transactor,
    notifications: new NotificationOutbox({ channels: () => [], publicUrl: 'http://127.0.0.1:8080' }),
    policy: buildSlaPolicy(config.sla, buildCalendars(config.sla.calendars)),
    management: { calendar: CALENDAR_24X7, stepWindow: config.management.stepWindow, attempts: config.management.attempts },
    contacts: { step: (n) => config.management.steps.find((s) => s.step === n) },
    metrics,
    onReschedule: (id) => rescheduled.push(id),
  });
  const commands = new IncidentCommands({ transactor, config, hooks: sla, metrics, dedupRetentionMs: 86_400_000 });
  return {
    clock, store, registry, sla, commands, rescheduled,
    incident: async (id) => (await store.read.incidents.get(id))!,
    events: async () => (await store.read.events.since(0, 10_000)) ?? [],
    async counter(name, labels) {
      const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === `escalatord_${name}`);
      const values = (metric as unknown as { values: Array<{ labels: Record<string, string>; value: number }> }).values;
      return values.find((v) => Object.entries(labels).every(([k, val]) => String(v.labels[k]) === val))?.value ?? 0;
    },
  };
}

/** An L3 request (so the vendor owns it from the start): response and resolution run from T0. */
async function l3Request(w: World): Promise<string> {
  const result = await w.commands.logIncident(
    { type: 'request', customerId: 'acme', serverId: 'srv-0001', reporter: { name: 'Jo Bloggs', email: 'jo@acme.example' }, requestType: 'restore-system-image', priority: 'P2' },
    { kind: 'user', name: 'admin', role: 'admin' },
  );
  if (!result.created) throw new Error('expected a new incident');
  return result.incident.id;
}

/** An L1 fault: response and resolution run from T0, progress waits for L3/L4. */
async function l1Fault(w: World): Promise<string> {
  const result = await w.commands.logIncident(
    { type: 'fault', customerId: 'acme', serverId: 'srv-0002', reporter: { name: 'Jo Bloggs', email: 'jo@acme.example' }, symptoms: ['cannot log in'], priority: 'P3' },
    { kind: 'user', name: 'l1-desk', role: 'l1' },
  );
  if (!result.created) throw new Error('expected a new incident');
  return result.incident.id;
}

describe('ClocksAndManagement', () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
  });

  it('starts the response and resolution clocks at creation with their warnings at warnAt of the budget', async () => {
    const id = await l3Request(w);
    expect((await w.incident(id)).sla!.response).toMatchObject({ state: 'running', dueAt: iso(10_000), warnAt: iso(5_000) });
    expect((await w.incident(id)).sla!.resolution).toMatchObject({ state: 'running', dueAt: iso(60_000), warnAt: iso(30_000) });
    expect(w.sla.nextWake((await w.incident(id)))).toEqual(new Date(T0 + 5_000));
    expect(w.rescheduled).toContain(id);
  });

  it('pauses every running clock while awaiting the customer and resumes each with the working time it had left', async () => {
    const id = await l3Request(w);
    w.clock.ms = T0 + 2_000;
    await w.commands.acknowledge(id, L3); // response met; progress starts: due at +22 s, warning at +12 s
    w.clock.ms = T0 + 4_000;
    await w.commands.setStatus(id, L3, 'in-progress');
    w.clock.ms = T0 + 10_000;
    await w.commands.setStatus(id, L3, 'awaiting-customer');
    const paused = (await w.incident(id)).sla!;
    expect(paused.resolution).toMatchObject({ state: 'paused', dueAt: null, remainingMs: 50_000 });
    expect(paused.progress).toMatchObject({ state: 'paused', dueAt: null, remainingMs: 12_000 });
    expect(paused.response.state).toBe('met');
    expect(w.sla.nextWake((await w.incident(id)))).toBeNull();

    // The customer takes 100 s to answer; none of it counts.
    w.clock.ms = T0 + 110_000;
    await w.commands.setStatus(id, L3, 'in-progress');
    const resumed = (await w.incident(id)).sla!;
    // 10 s of the 60 s budget were used, so the warning (at 30 s of it) is 20 s away, the breach 50 s;
    // progress used 8 s of its 20 s, so it warns 2 s and breaches 12 s after the resumption.
    expect(resumed.resolution).toMatchObject({ state: 'running', dueAt: iso(110_000 + 50_000), warnAt: iso(110_000 + 20_000) });
    expect(resumed.progress).toMatchObject({ state: 'running', dueAt: iso(110_000 + 12_000), warnAt: iso(110_000 + 2_000) });
    expect(resumed.response.state).toBe('met');
  });

  it('restarts the response clock for the new owner when the incident is escalated', async () => {
    const id = await l1Fault(w);
    w.clock.ms = T0 + 3_000;
    await w.commands.escalate(id, L2, { toLevel: 2, reason: 'needs the second line' });
    expect((await w.incident(id)).sla!.response).toMatchObject({ state: 'running', startedAt: iso(3_000), dueAt: iso(13_000), warnAt: iso(8_000) });
    // The resolution clock belongs to the incident, not the owner: it keeps running from creation.
    expect((await w.incident(id)).sla!.resolution.dueAt).toBe(iso(60_000));
  });

  it('marks the clocks met on a timely resolution and counts each in sla_met_total', async () => {
    const id = await l3Request(w);
    w.clock.ms = T0 + 1_000;
    await w.commands.acknowledge(id, L3);
    expect(await w.counter('sla_met_total', { clock: 'response', priority: 'P2' })).toBe(1);
    w.clock.ms = T0 + 4_000;
    await w.commands.resolve(id, L3, 'server', 'restored from last night');
    const sla = (await w.incident(id)).sla!;
    expect(sla.resolution).toMatchObject({ state: 'met', metAt: iso(4_000) });
    expect(sla.response.state).toBe('met');
    expect(sla.progress.state).toBe('stopped');
    expect(await w.counter('sla_met_total', { clock: 'resolution', priority: 'P2' })).toBe(1);
    expect(await w.counter('sla_met_total', { clock: 'response', priority: 'P2' })).toBe(1);
    expect(w.sla.nextWake((await w.incident(id)))).toBeNull();
  });

  it('does not count a resolution after its deadline as met', async () => {
    const id = await l3Request(w);
    w.clock.ms = T0 + 61_000;
    await w.commands.resolve(id, L3, 'server');
    expect((await w.incident(id)).sla!.resolution.state).toBe('breached');
    expect(await w.counter('sla_met_total', { clock: 'resolution', priority: 'P2' })).toBe(0);
    expect(await w.counter('sla_breaches_total', { clock: 'resolution', priority: 'P2' })).toBe(1);
  });

  it('fires each warning and breach once however often wake() runs, and a breach starts management step 2', async () => {
    const id = await l3Request(w);
    const events = async () => (await w.events()).filter((e) => e.data.incidentId === id).map((e) => `${e.type}:${String(e.data.clock ?? e.data.step ?? '')}`);

    w.clock.ms = T0 + 4_999;
    await w.sla.wake(id);
    expect((await events()).filter((e) => e.startsWith('sla.'))).toEqual([]);

    w.clock.ms = T0 + 5_000;
    await w.sla.wake(id);
    await w.sla.wake(id);
    expect((await events()).filter((e) => e.startsWith('sla.'))).toEqual(['sla.warning:response']);
    expect((await w.incident(id)).sla!.response.state).toBe('at-risk');
    expect(w.sla.nextWake((await w.incident(id)))).toEqual(new Date(T0 + 10_000));

    w.clock.ms = T0 + 10_000;
    await w.sla.wake(id);
    await w.sla.wake(id);
    w.clock.ms = T0 + 11_000;
    await w.sla.wake(id);
    expect((await events()).filter((e) => e.startsWith('sla.') || e.startsWith('management.'))).toEqual([
      'sla.warning:response', 'sla.breached:response', 'management.escalated:2',
    ]);
    expect((await w.incident(id)).sla!.response).toMatchObject({ state: 'breached', breachedAt: iso(10_000) });
    expect((await w.incident(id)).management.step).toBe(2);
    expect(await w.counter('sla_warnings_total', { clock: 'response', priority: 'P2' })).toBe(1);
    expect(await w.counter('sla_breaches_total', { clock: 'response', priority: 'P2' })).toBe(1);
    expect(await w.counter('management_escalations_total', { step: '2' })).toBe(1);
  });

  it('fires a warning and a breach both long missed together, warning first, on one wake', async () => {
    const id = await l3Request(w);
    w.clock.ms = T0 + 65_000;
    await w.sla.wake(id);
    const types = (await w.events()).filter((e) => e.type.startsWith('sla.')).map((e) => `${e.type}:${String(e.data.clock)}`);
    expect(types).toEqual(['sla.warning:response', 'sla.breached:response', 'sla.warning:resolution', 'sla.breached:resolution']);
    await w.sla.wake(id);
    expect((await w.events()).filter((e) => e.type.startsWith('sla.'))).toHaveLength(4);
  });
});
