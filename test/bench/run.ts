// `npm run bench`: runs the benchmarks (all, or those named on the command line), prints a markdown
// table and writes test/bench/results.json with the machine and the command. Benchmarks that depend on
// the store run once per engine: `npm run bench -- ingest` runs both, `ingest:postgres` one.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { BENCH_NICE, ENGINES, ROOT, prioritize, restorePriorities, type BenchResult, type Engine } from './lib.js';

type Bench = { engines: boolean; run: (engine: Engine) => Promise<BenchResult> };

// Each benchmark is imported when it runs, so one that no longer loads is reported as its own failure.
const BENCHES: Record<string, Bench> = {
  ingest: { engines: true, run: async (engine) => (await import('./ingest.js')).benchIngest(engine) },
  batch: { engines: true, run: async (engine) => (await import('./batch.js')).benchBatch(engine, 1) },
  'batch-full': { engines: true, run: async (engine) => (await import('./batch.js')).benchBatch(engine, 10) },
  detection: { engines: true, run: async (engine) => (await import('./detection.js')).benchDetection(engine) },
  ws: { engines: false, run: async () => (await import('./ws-fanout.js')).benchWsFanout() },
  polling: { engines: false, run: async () => (await import('./polling.js')).benchPolling() },
  store: { engines: false, run: async () => (await import('./store.js')).benchStore() },
  metrics: { engines: false, run: async () => (await import('./metrics-scrape.js')).benchMetrics() },
  'outbox-retry': { engines: false, run: async () => (await import('./store-outbox-retry.js')).benchOutboxRetry() },
};

/** Every run id in table order: `ingest:file`, `ingest:postgres`, …, `ws`, … */
const ORDER = Object.entries(BENCHES).flatMap(([name, b]) => (b.engines ? ENGINES.map((e) => `${name}:${e}`) : [name]));

function selected(args: string[]): string[] {
  if (args.length === 0) return ORDER;
  return args.flatMap((arg) => {
    const [name, engine] = arg.split(':');
    const bench = BENCHES[name];
    if (!bench) throw new Error(`unknown benchmark ${name}; known: ${Object.keys(BENCHES).join(', ')}`);
    if (!bench.engines) return [name];
    if (engine === undefined) return ENGINES.map((e) => `${name}:${e}`);
    if (!ENGINES.includes(engine as Engine)) throw new Error(`unknown engine ${engine}; known: ${ENGINES.join(', ')}`);
    return [`${name}:${engine}`];
  });
}

// Everything started from here inherits the priority, given back however the run ends.
prioritize('self');
process.once('exit', restorePriorities);
process.once('SIGINT', () => process.exit(130));

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const ids = selected(wanted);
const results: Array<BenchResult & { id: string }> = [];
for (const id of ids) {
  const [name, engine] = id.split(':') as [string, Engine | undefined];
  process.stderr.write(`running ${id}…\n`);
  try {
    results.push({ id, ...(await BENCHES[name].run(engine ?? 'file')) });
  } catch (err) {
    results.push({ id, name: id, target: '', measured: { error: (err as Error).message }, pass: false });
  }
  process.stderr.write(`${JSON.stringify(results[results.length - 1])}\n`);
}

restorePriorities();

/** The commit measured: BENCH_COMMIT (a run from an exported tree), else the working tree's HEAD (+ `-dirty`). */
function commit(): string {
  if (process.env.BENCH_COMMIT) return process.env.BENCH_COMMIT;
  try {
    const head = execFileSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['-C', ROOT, 'status', '--porcelain', '--untracked-files=no', 'src'], { encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head}-dirty` : head;
  } catch {
    return 'unknown';
  }
}

const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: process.platform };
const rows = results.map((r) => `| ${r.name} | ${r.target} | ${Object.entries(r.measured).map(([k, v]) => `${k}=${v}`).join(', ')} | ${r.pass ? 'pass' : 'MISS'} |`);
const table = ['| benchmark | target | measured | result |', '|---|---|---|---|', ...rows].join('\n');
process.stdout.write(`\n${table}\n\nmachine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}\n`);
const path = join(ROOT, 'test/bench/results.json');
type Stored = BenchResult & { id?: string; at?: string; command?: string; commit?: string };
let previous: { at?: string; results?: Stored[] } = {};
try {
  previous = JSON.parse(readFileSync(path, 'utf8'));
} catch {
  /* first run */
}
// A partial run keeps the other results of earlier runs, each with the time it was measured.
const at = new Date().toISOString();
const merged: Stored[] = [
  ...(previous.results ?? []).filter((r) => r.id !== undefined && ORDER.includes(r.id) && !results.some((n) => n.id === r.id)).map((r) => ({ ...r, at: r.at ?? previous.at })),
  ...results.map((r) => ({ ...r, at })),
].sort((a, b) => ORDER.indexOf(a.id!) - ORDER.indexOf(b.id!));
const command = `${BENCH_NICE !== 0 ? `BENCH_NICE=${BENCH_NICE} ` : ''}npm run bench${wanted.length ? ` -- ${wanted.join(' ')}` : ''}`;
const measured = commit();
writeFileSync(path, JSON.stringify({ at, command, commit: measured, machine, results: merged.map((r) => (r.at === at ? { ...r, command, commit: measured } : r)) }, null, 2) + '\n');
