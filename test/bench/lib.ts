// Shared pieces of the benchmarks: child processes for the daemon, the simulators and a bare express
// endpoint, readiness waits, percentiles and a scrape parser. Every server binds 127.0.0.1.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, setPriority, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { stringify } from 'yaml';
import { webhookHeaders } from '../../src/ingest/webhook-signature.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const CONSOLE_SECRET = 'whsec_YmVuY2htYXJrLWNvbnNvbGUtc2VjcmV0LTEyMzQ=';
export const TOKENS = { ingest: 'bench-ingest-token-000001', viewer: 'bench-viewer-token-000001', admin: 'bench-admin-token-0000001' };

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => res(port));
    });
    srv.on('error', rej);
  });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `escalatord-bench-${prefix}-`));
}

export interface Proc {
  child: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

async function waitFor(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`${url} did not come up within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise((res) => {
      if (child.exitCode !== null) return res();
      child.once('exit', () => res());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
    });
}

/** The compiled daemon as a child process with the given config (merged over bench defaults). */
export async function startDaemon(config: Record<string, unknown>, dir: string): Promise<Proc> {
  const port = await freePort();
  const full = {
    server: { host: '127.0.0.1', port, bodyLimit: '1mb' },
    log: { level: 'warn' },
    storage: { path: join(dir, 'store.json') },
    auth: { tokens: [
      { name: 'bench-ingest', role: 'ingest', token: TOKENS.ingest },
      { name: 'bench-viewer', role: 'viewer', token: TOKENS.viewer },
      { name: 'bench-admin', role: 'admin', token: TOKENS.admin },
    ] },
    ingest: { console: { secret: CONSOLE_SECRET } },
    simulator: { enabled: false },
    ...config,
  };
  const file = join(dir, 'config.yaml');
  writeFileSync(file, stringify(full));
  // BENCH_PROFILE=dir writes a CPU profile of the daemon there, to see where a missed target goes.
  // BENCH_DAEMON_FLAGS adds Node flags to the daemon (e.g. --trace-gc).
  const profile = [
    ...(process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : []),
    ...(process.env.BENCH_DAEMON_FLAGS ?? '').split(' ').filter(Boolean),
  ];
  // BENCH_DAEMON runs another build of the daemon (an experiment compiled elsewhere) on the same rig.
  const main = process.env.BENCH_DAEMON ?? join(ROOT, 'dist/main.js');
  // The heap flags of `npm start` and the Dockerfile: the daemon is measured as it ships.
  const child = spawn(process.execPath, [...profile, '--max-old-space-size=' + (process.env.BENCH_DAEMON_HEAP ?? '512'), '--max-semi-space-size=16', main, '--config', file], { stdio: ['ignore', 'inherit', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/readyz`, 60_000);
  return { child, url, stop: stopper(child) };
}

/** The standalone simulators (`dist/simulator/main.js`) as a child process. */
export async function startSimulators(opts: { servers: number; customers?: number; faultRate?: number; nice?: number }): Promise<{ consoleUrl: string; ticketingUrl: string; stop(): Promise<void>; child: ChildProcess }> {
  const [consolePort, ticketingPort] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, [
    '--max-old-space-size=2048', join(ROOT, 'dist/simulator/main.js'), '--console-port', String(consolePort), '--ticketing-port', String(ticketingPort),
    '--servers', String(opts.servers), '--customers', String(opts.customers ?? 50), '--fault-rate', String(opts.faultRate ?? 0), '--log-level', 'warn',
  ], { stdio: ['ignore', 'ignore', 'inherit'] });
  // The simulated console stands in for a machine of its own; niced, it does not take the daemon's core.
  if (opts.nice && child.pid) setPriority(child.pid, Math.min(19, BENCH_NICE + opts.nice));
  const consoleUrl = `http://127.0.0.1:${consolePort}`;
  const ticketingUrl = `http://127.0.0.1:${ticketingPort}`;
  await waitFor(`${consoleUrl}/api/v1/servers`, 60_000);
  await waitFor(`${ticketingUrl}/tickets`, 60_000);
  return { consoleUrl, ticketingUrl, child, stop: stopper(child) };
}

/** Waits until the daemon has finished its first poll of a console, so reports land on servers it lists. */
export async function firstPoll(url: string, consoleId: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const text = await (await fetch(`${url}/metrics`)).text();
    if ((scrapeValue(text, 'escalatord_console_poll_duration_seconds_count', `console="${consoleId}"`) ?? 0) >= 1) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the first poll of console ${consoleId} did not finish within ${timeoutMs} ms`);
}

/** The id the simulated console gives its n-th server (1-based): `srv-0001`. */
export function simServerId(n: number): string {
  return `srv-${String(n).padStart(4, '0')}`;
}

/**
 * A daemon whose inventory is a simulated Monitoring Console of `servers` servers (`srv-0001`…), polled
 * once at start (then hourly), so pushed reports name servers a console lists, as in production. The
 * simulator stands in for a console on its own machine: niced, idle after the first poll.
 */
export async function startDaemonWithConsole(config: Record<string, unknown>, dir: string, servers: number): Promise<Proc & { sims: Awaited<ReturnType<typeof startSimulators>> }> {
  const sims = await startSimulators({ servers, faultRate: 0, nice: 10 });
  try {
    const daemon = await startDaemon({ consoles: [{ id: 'inventory', url: sims.consoleUrl, pollInterval: '1h', timeout: '10s', concurrency: 32 }], ...config }, dir);
    await firstPoll(daemon.url, 'inventory').catch(async (err: unknown) => {
      await daemon.stop();
      throw err;
    });
    return { ...daemon, sims, stop: async () => {
      await daemon.stop();
      await sims.stop();
    } };
  } catch (err) {
    await sims.stop();
    throw err;
  }
}

/** A bare express 5 JSON endpoint: the yardstick for the ingest benchmark. */
export async function startBareExpress(): Promise<Proc> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/bench/bare-express.ts'), String(port)], { stdio: ['ignore', 'inherit', 'inherit'], cwd: ROOT });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/healthz`);
  return { child, url, stop: stopper(child) };
}

/**
 * BENCH_NICE (e.g. -10, as root): the priority of the benchmark, everything it starts and the PostgreSQL
 * server, so a run on a machine shared with other work measures the rig rather than the neighbours.
 * Linux schedules by session first (autogroups), so it is set on this process's autogroup and on the
 * PostgreSQL server's, and given back by `restorePriorities`. Processes niced for a reason of their own
 * (simulated consoles, extra WebSocket clients) stay that much above it.
 */
export const BENCH_NICE = Number(process.env.BENCH_NICE ?? 0);
const restore: Array<() => void> = [];

/** Sets the nice value of the autogroup (session) of `pid`, remembering the old one; false where it cannot. */
function niceAutogroup(pid: number | 'self', nice: number): boolean {
  const file = `/proc/${pid}/autogroup`;
  try {
    const old = /nice (-?\d+)/.exec(readFileSync(file, 'utf8'))?.[1];
    writeFileSync(file, String(nice));
    if (old !== undefined) restore.push(() => writeFileSync(file, old));
    return true;
  } catch {
    return false;
  }
}

/** Gives the benchmark (and, with `postgres`, the PostgreSQL server) the priority of BENCH_NICE. */
export function prioritize(what: 'self' | 'postgres'): void {
  if (BENCH_NICE === 0) return;
  if (what === 'self') {
    setPriority(process.pid, BENCH_NICE);
    niceAutogroup('self', BENCH_NICE);
    return;
  }
  // Every process of the server is in one session, so one of them names the autogroup.
  const server = readdirSync('/proc').find((d) => /^\d+$/.test(d) && safeRead(`/proc/${d}/comm`) === 'postgres');
  if (server && !postgresPrioritized) postgresPrioritized = niceAutogroup(Number(server), BENCH_NICE);
}
let postgresPrioritized = false;

/** Puts back the autogroup priorities `prioritize` changed. */
export function restorePriorities(): void {
  postgresPrioritized = false;
  for (const f of restore.splice(0).reverse()) {
    try {
      f();
    } catch {
      /* the process is gone */
    }
  }
}

function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}

/** The storage engines a benchmark can run on (`storage.engine`). */
export type Engine = 'file' | 'postgres';
export const ENGINES: readonly Engine[] = ['file', 'postgres'];

/** Where the postgres runs create (and drop) their database; BENCH_PG_URL overrides it. */
export const PG_ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://root@127.0.0.1:5432/postgres';

/**
 * The `storage` section of a daemon config for one engine: the store file in `dir` for `file`, a fresh
 * database for `postgres` (created here, dropped by `drop`), so no run sees another's rows.
 */
export async function benchStorage(engine: Engine, dir: string): Promise<{ storage: Record<string, unknown>; drop(): Promise<void>; renice(): Promise<void> }> {
  if (engine === 'file') return { storage: { engine, path: join(dir, 'store.json') }, drop: async () => undefined, renice: async () => undefined };
  const name = `escalatord_bench_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string, params: unknown[] = []) => {
    const client = new pg.Client({ connectionString: PG_ADMIN_URL });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as Array<Record<string, unknown>>;
    } finally {
      await client.end();
    }
  };
  // What an earlier benchmark left in the server's buffers is written now, not during this one.
  await admin('CHECKPOINT');
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    storage: { engine, url: url.toString(), path: join(dir, 'store.json') },
    drop: async () => void (await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
    // Under BENCH_NICE the server, and within it the daemon's sessions, get the benchmark's priority.
    renice: async () => {
      if (BENCH_NICE === 0) return;
      prioritize('postgres');
      for (const row of await admin('SELECT pid FROM pg_stat_activity WHERE datname = $1', [name])) {
        try {
          setPriority(Number(row.pid), BENCH_NICE);
        } catch {
          /* gone meanwhile */
        }
      }
    },
  };
}

/** Debian's `prometheus-alertmanager` with a null receiver and no clustering: the yardstick for batched ingest. */
export async function startAlertmanager(dir: string): Promise<Proc> {
  const port = await freePort();
  const config = join(dir, 'alertmanager.yml');
  writeFileSync(config, stringify({ route: { receiver: 'null' }, receivers: [{ name: 'null' }] }));
  const child = spawn(process.env.BENCH_ALERTMANAGER ?? 'prometheus-alertmanager', [
    `--config.file=${config}`, `--storage.path=${join(dir, 'alertmanager-data')}`, `--web.listen-address=127.0.0.1:${port}`,
    '--cluster.listen-address=', '--log.level=warn',
  ], { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise<never>((_, rej) => child.once('error', rej));
  exited.catch(() => undefined); // reported through the race below; later errors are the stop's business
  const url = `http://127.0.0.1:${port}`;
  await Promise.race([waitFor(`${url}/-/ready`), exited]);
  return { child, url, stop: stopper(child) };
}

const TICKS_PER_S = 100; // USER_HZ on Linux

/** CPU seconds (user + system) a process has used so far, from /proc; NaN where there is no /proc. */
export function cpuSeconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
  } catch {
    return NaN;
  }
}

/** CPU seconds used so far by every process of the PostgreSQL server on this machine (backends, WAL writer, …). */
export function postgresCpuSeconds(): number {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres') total += cpuSeconds(Number(pid));
    } catch {
      /* gone meanwhile */
    }
  }
  return total;
}

/** The machine's 1-minute load average, rounded: shows whether something else ran during a benchmark. */
export function load1(): number {
  return Number(loadavg()[0].toFixed(1));
}

/** Runs `fn` and returns its result with the CPU milliseconds each named process used meanwhile. */
export async function withCpu<T>(pids: Record<string, number | undefined>, fn: () => Promise<T>): Promise<{ result: T; cpuMs: Record<string, number> }> {
  const read = () => Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, k === 'postgres' ? postgresCpuSeconds() : cpuSeconds(pid)]));
  const before = read();
  const result = await fn();
  const after = read();
  return { result, cpuMs: Object.fromEntries(Object.keys(pids).map((k) => [k, Math.round((after[k] - before[k]) * 1000)])) };
}

/** What one side of a comparison did over all its rounds. */
export interface SideMeasured {
  /** Requests answered per second over the rounds' whole time. */
  rps: number;
  total: number;
  errors: number;
  /** The worst round's p99 latency. */
  p99Ms: number;
  /** CPU of each process named, summed over the rounds. */
  cpuMs: Record<string, number>;
  seconds: number;
}

export interface Side {
  pids: Record<string, number | undefined>;
  run: (seconds: number) => Promise<{ requests: { total: number }; duration: number; non2xx: number; errors: number; latency: { p99: number } }>;
}

/**
 * Two loads measured in alternating rounds (A B, B A, A B, …) of `seconds / rounds` each: on a shared
 * host whose capacity drifts within a minute, one long run of each side made the ratio swing by a fifth
 * from run to run; alternating, the drift weighs on both sides alike.
 */
export async function alternating<K extends string>(sides: Record<K, Side>, seconds: number, rounds = 4): Promise<Record<K, SideMeasured>> {
  const names = Object.keys(sides) as K[];
  const out = Object.fromEntries(names.map((k) => [k, { rps: 0, total: 0, errors: 0, p99Ms: 0, cpuMs: {} as Record<string, number>, seconds: 0 }])) as Record<K, SideMeasured>;
  for (let round = 0; round < rounds; round++) {
    for (const k of round % 2 === 0 ? names : [...names].reverse()) {
      const { result, cpuMs } = await withCpu(sides[k].pids, () => sides[k].run(seconds / rounds));
      const m = out[k];
      m.total += result.requests.total;
      m.errors += result.non2xx + result.errors;
      m.p99Ms = Math.max(m.p99Ms, result.latency.p99);
      m.seconds += result.duration;
      for (const [pid, ms] of Object.entries(cpuMs)) m.cpuMs[pid] = (m.cpuMs[pid] ?? 0) + ms;
    }
  }
  for (const k of names) out[k].rps = out[k].total / Math.max(0.001, out[k].seconds);
  return out;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx];
}

/** The value of one sample line of a Prometheus text exposition, e.g. `escalatord_ws_clients`. */
export function scrapeValue(text: string, name: string, labels = ''): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const [key, value] = line.split(' ');
    if (key === (labels ? `${name}{${labels}}` : name)) return Number(value);
  }
  return undefined;
}

export function cleanup(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export interface BenchResult {
  name: string;
  target: string;
  measured: Record<string, number | string>;
  pass: boolean;
  note?: string;
}

/** An autocannon request carrying `body` as a signed console webhook (a fresh webhook-id each time). */
export function signedRequest<R extends object>(req: R, body: string): R & { body: string; headers: Record<string, string> } {
  return { ...req, body, headers: { 'content-type': 'application/json', ...webhookHeaders({ id: randomUUID(), now: new Date(), body, secret: CONSOLE_SECRET }) } };
}
