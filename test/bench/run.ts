// `npm run bench`: runs the benchmarks (all, or those named on the command line), prints a markdown
// table and writes test/bench/results.json with the machine and the command.
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { ROOT, type BenchResult } from './lib.js';
import { benchIngest } from './ingest.js';
import { benchDetection } from './detection.js';
import { benchWsFanout } from './ws-fanout.js';
import { benchPolling } from './polling.js';
import { benchStore } from './store.js';
import { benchMetrics } from './metrics-scrape.js';

const BENCHES: Record<string, () => Promise<BenchResult>> = {
  ingest: () => benchIngest(),
  detection: () => benchDetection(),
  ws: () => benchWsFanout(),
  polling: () => benchPolling(),
  store: () => benchStore(),
  metrics: () => benchMetrics(),
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = wanted.length > 0 ? wanted : Object.keys(BENCHES);
const results: Array<BenchResult & { id: string }> = [];
for (const name of names) {
  const bench = BENCHES[name];
  if (!bench) throw new Error(`unknown benchmark ${name}; known: ${Object.keys(BENCHES).join(', ')}`);
  process.stderr.write(`running ${name}…\n`);
  try {
    results.push({ id: name, ...(await bench()) });
  } catch (err) {
    results.push({ id: name, name, target: '', measured: { error: (err as Error).message }, pass: false });
  }
  process.stderr.write(`${JSON.stringify(results[results.length - 1])}\n`);
}

const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: process.platform };
const rows = results.map((r) => `| ${r.name} | ${r.target} | ${Object.entries(r.measured).map(([k, v]) => `${k}=${v}`).join(', ')} | ${r.pass ? 'pass' : 'MISS'} |`);
const table = ['| benchmark | target | measured | result |', '|---|---|---|---|', ...rows].join('\n');
process.stdout.write(`\n${table}\n\nmachine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}\n`);
const path = join(ROOT, 'test/bench/results.json');
let previous: { results?: Array<BenchResult & { id?: string }> } = {};
try {
  previous = JSON.parse((await import('node:fs')).readFileSync(path, 'utf8'));
} catch {
  /* first run */
}
// A partial run (named benchmarks) keeps the other results from the last full run.
const merged = [...(previous.results ?? []).filter((r) => r.id !== undefined && r.id in BENCHES && !results.some((n) => n.id === r.id)), ...results]
  .sort((a, b) => Object.keys(BENCHES).indexOf(a.id!) - Object.keys(BENCHES).indexOf(b.id!));
writeFileSync(path, JSON.stringify({ at: new Date().toISOString(), command: `npm run bench${wanted.length ? ` -- ${wanted.join(' ')}` : ''}`, machine, results: merged }, null, 2) + '\n');
