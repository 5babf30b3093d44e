// The daemon built in the test's own process by the real composition root: real express on
// 127.0.0.1:0, a real store file in a temp folder, the built-in console and ticketing simulators on
// ephemeral ports, logging silenced. Tests reach inside (store, pollers, simulators) when they must.
import { pino } from 'pino';
import { buildDaemon, type Daemon } from '../../src/app.js';
import { configSchema, type Config } from '../../src/config/schema.js';
import type { ComponentStatus, Incident, Role } from '../../src/domain/types.js';
import type { SimTicket } from '../../src/simulator/ticket-book.js';
import { waitFor } from './net.js';
import { makeTempDir, type TempDir } from './tmp.js';
import { deepMerge } from './daemon-process.js';

/** One bearer token per role; the token's name (what the timeline records as the actor) is in TOKEN_NAMES. */
export const TEST_TOKENS: Readonly<Record<Role, string>> = {
  viewer: 'test-viewer-token-000001',
  l1: 'test-l1-token-0000000001',
  l2: 'test-l2-token-0000000001',
  l3: 'test-l3-token-0000000001',
  admin: 'test-admin-token-0000001',
  ingest: 'test-ingest-token-000001',
};
export const TOKEN_NAMES: Readonly<Record<Role, string>> = {
  viewer: 'wallboard', l1: 'l1-desk', l2: 'l2-desk', l3: 'vendor-desk', admin: 'admin', ingest: 'ingest-bot',
};

/** Customers of the simulated fleet (its first three) with one authorised contact each, and the demo catalogue. */
export const TEST_CONTACTS = {
  acme: { name: 'Jo Bloggs', email: 'jo@acme.example' },
  globex: { name: 'Hank Scorpio', email: 'hank@globex.example' },
  initech: { name: 'Bill Lumbergh', email: 'bill@initech.example' },
} as const;

function baseConfig(dir: TempDir): Record<string, unknown> {
  return {
    server: { host: '127.0.0.1', port: 0, shutdownTimeout: '3s' },
    log: { level: 'silent' },
    storage: { path: dir.file('store.json') },
    auth: { tokens: (Object.keys(TEST_TOKENS) as Role[]).map((role) => ({ name: TOKEN_NAMES[role], role, token: TEST_TOKENS[role] })) },
    customers: [
      { id: 'acme', name: 'Acme Ltd', authorisedContacts: [TEST_CONTACTS.acme] },
      { id: 'globex', name: 'Globex Corporation', authorisedContacts: [TEST_CONTACTS.globex] },
      { id: 'initech', name: 'Initech', authorisedContacts: [TEST_CONTACTS.initech] },
    ],
    requests: [
      { type: 'reset-password', level: 1 },
      { type: 'add-file-share', level: 2 },
      { type: 'restore-system-image', level: 3 },
    ],
    // No random faults: the fleet changes only when a test says so. Pushes off: the poll is the only input.
    simulator: { enabled: true, consolePort: 0, ticketingPort: 0, servers: 6, customers: 3, faultRate: 0, pushWebhooks: false },
  };
}

export interface InProcessDaemonOptions {
  /** Deep-merged over the test defaults (arrays replace). */
  config?: Record<string, unknown>;
  now?: () => Date;
}

export interface InProcessDaemon {
  daemon: Daemon;
  config: Config;
  /** e.g. `http://127.0.0.1:41234`. */
  url: string;
  tokens: Readonly<Record<Role, string>>;
  dir: TempDir;
  /** `fetch` against the daemon as `role` (JSON body when given). */
  api(role: Role | null, method: string, path: string, body?: unknown): Promise<Response>;
  /** Stops the daemon and removes the temp folder; safe to call twice. */
  stop(): Promise<void>;
}

export async function startDaemonInProcess(options: InProcessDaemonOptions = {}): Promise<InProcessDaemon> {
  const dir = makeTempDir('escalatord-inproc-');
  const config = configSchema.parse(deepMerge(baseConfig(dir), options.config ?? {}));
  const daemon = buildDaemon({ config, logger: pino({ level: 'silent' }), now: options.now });
  try {
    await daemon.start();
    // The first poll fills the inventory: a test may log a fault on a console's server at once.
    await daemon.pollers?.get('sim')?.pollNow();
  } catch (err) {
    await daemon.stop().catch(() => undefined);
    dir.remove();
    throw err;
  }
  let stopping: Promise<void> | null = null;
  return {
    daemon, config, url: daemon.url, tokens: TEST_TOKENS, dir,
    api(role, method, path, body) {
      const headers: Record<string, string> = {};
      if (role) headers.authorization = `Bearer ${TEST_TOKENS[role]}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      return fetch(`${daemon.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
    },
    stop() {
      stopping ??= daemon.stop().finally(() => dir.remove());
      return stopping;
    },
  };
}

/** The simulated servers of `customerId`, in id order. */
export function serversOf(d: InProcessDaemon, customerId: keyof typeof TEST_CONTACTS): string[] {
  const sim = d.daemon.simulators!.console;
  return [...sim.state.ids()].filter((id) => sim.state.server(id)!.server.customerId === customerId).sort();
}

/** A software (or hardware) component the simulator gives every server. */
export function componentOf(d: InProcessDaemon, serverId: string, kind: 'software' | 'hardware'): string {
  return d.daemon.simulators!.console.state.server(serverId)!.components.find((c) => c.kind === kind)!.name;
}

/**
 * Sets a component at the console simulator through its HTTP control API, then polls once, so the
 * daemon has seen it when this resolves.
 */
export async function setConsoleComponent(d: InProcessDaemon, serverId: string, component: string, status: ComponentStatus, message?: string): Promise<void> {
  const consoleUrl = d.daemon.simulators!.console.url!;
  const res = await fetch(`${consoleUrl}/control/servers/${serverId}/components/${component}`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status, message }),
  });
  if (!res.ok) throw new Error(`control API answered ${res.status}: ${await res.text()}`);
  await d.daemon.pollers!.get('sim')!.pollNow();
  await waitFor(async () => (await d.daemon.store.read.servers.get(serverId))?.components[component]?.status === status, { what: `${serverId}/${component} ${status} at the daemon` });
}

/** Waits until the ticketing simulator holds the ticket for `incidentId` and the incident knows its id. */
export async function ticketFor(d: InProcessDaemon, incidentId: string): Promise<{ ticket: SimTicket; incident: Incident }> {
  return waitFor(async () => {
    const incident = await d.daemon.store.read.incidents.get(incidentId);
    const [ticket] = d.daemon.simulators!.ticketing.book.list({ externalId: incidentId });
    return ticket && incident?.ticket?.id === ticket.id ? { ticket, incident } : null;
  }, { what: `a ticket for ${incidentId}` });
}
