// The demo's ticketing system keeps its tickets across a restart of `npm start`, as a real one would:
// otherwise every ticket the daemon knows turns into a 404 and a dead-lettered call.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { createSimulators } from '../../src/simulator/create-simulators.js';
import { TicketingSimulator } from '../../src/simulator/ticketing-simulator.js';
import { useTempDir } from '../helpers/tmp.js';

const silent = pino({ level: 'silent' });
const sims: Array<{ stop(): Promise<void> }> = [];

async function start(stateFile: string) {
  const sim = new TicketingSimulator({ logger: silent, stateFile });
  sims.push(sim);
  const { url } = await sim.start();
  return { sim, url };
}

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('ticketing simulator state file', () => {
  const tmp = useTempDir(beforeEach, afterEach);
  // Registered after the folder's hook, so it runs before it (after-hooks run in reverse): a simulator
  // still running may be writing its state file while the folder is removed (ENOTEMPTY, seen in CI).
  afterEach(async () => {
    await Promise.all(sims.splice(0).map((s) => s.stop()));
  });

  it('finds the tickets, comments, vendor events and idempotency keys of the previous run after a restart', async () => {
    const file = tmp().file('tickets.json');
    const first = await start(file);
    const created = await post(`${first.url}/tickets`, { title: 'backup failed on srv-0001', externalId: 'INC-1' }, { 'idempotency-key': 'INC-1:create' });
    expect(created.status).toBe(201);
    expect(((await created.json()) as { id: string }).id).toBe('T-1');
    expect((await post(`${first.url}/tickets/T-1/comments`, { body: 'diagnostics attached', kind: 'diagnostics' })).status).toBe(201);
    expect((await post(`${first.url}/control/tickets/T-1/event`, { event: 'acknowledged', by: 'vendor-eng' })).status).toBe(200);
    await first.sim.stop();

    const second = await start(file);
    const ticket = (await (await fetch(`${second.url}/tickets/T-1`)).json()) as { state: string; comments: unknown[]; events: Array<{ event: string }>; url: string };
    expect(ticket.state).toBe('acknowledged');
    expect(ticket.comments).toHaveLength(1);
    expect(ticket.events.map((e) => e.event)).toEqual(['acknowledged']);
    expect(ticket.url).toBe(`${second.url}/tickets/T-1`);
    // A retry of the same create is still the same ticket, and the next new one does not reuse T-1.
    const retry = await post(`${second.url}/tickets`, { title: 'backup failed on srv-0001' }, { 'idempotency-key': 'INC-1:create' });
    expect(retry.status).toBe(200);
    expect(((await retry.json()) as { id: string }).id).toBe('T-1');
    const next = await post(`${second.url}/tickets`, { title: 'disk failed on srv-0002' }, { 'idempotency-key': 'INC-2:create' });
    expect(((await next.json()) as { id: string }).id).toBe('T-2');
  });

  it('writes through a temporary file and leaves only the state file behind', async () => {
    const file = tmp().file('tickets.json');
    const { sim, url } = await start(file);
    await Promise.all([1, 2, 3, 4, 5].map((n) => post(`${url}/tickets`, { title: `t${n}` }, { 'idempotency-key': `k${n}` })));
    await sim.stop();
    expect(readdirSync(tmp().path)).toEqual(['tickets.json']);
    expect((JSON.parse(readFileSync(file, 'utf8')) as { tickets: unknown[] }).tickets).toHaveLength(5);
  });

  it('sets a file it cannot read aside and starts empty instead of refusing to run', async () => {
    const file = tmp().write('tickets.json', '{"version":1,"tickets":[{"id":');
    const { url } = await start(file);
    expect(((await (await fetch(`${url}/tickets`)).json()) as { items: unknown[] }).items).toEqual([]);
    expect(readdirSync(tmp().path).some((f) => f.startsWith('tickets.json.unreadable-'))).toBe(true);
  });

  it('a control reset empties the file too', async () => {
    const file = tmp().file('tickets.json');
    const first = await start(file);
    await post(`${first.url}/tickets`, { title: 'x' }, { 'idempotency-key': 'k' });
    await post(`${first.url}/control/reset`, {});
    await first.sim.stop();
    const second = await start(file);
    expect(((await (await fetch(`${second.url}/tickets`)).json()) as { items: unknown[] }).items).toEqual([]);
  });

  it('is reached through createSimulators as ticketingStateFile', async () => {
    const file = tmp().file('tickets.json');
    const cfg = configSchema.parse({ simulator: { enabled: true, consolePort: 0, ticketingPort: 0, servers: 2, customers: 1 } }).simulator;
    const both = createSimulators(cfg, { logger: silent, ticketingStateFile: file });
    sims.push(both);
    const { ticketingUrl } = await both.start();
    await post(`${ticketingUrl}/tickets`, { title: 'x' }, { 'idempotency-key': 'k' });
    await both.stop();
    expect(existsSync(file)).toBe(true);
    expect((JSON.parse(readFileSync(file, 'utf8')) as { tickets: unknown[] }).tickets).toHaveLength(1);
  });
});
