// The package scripts as a new user runs them: `npm start` under a supervisor that signals the npm
// process, and `npm run simulator` next to a daemon that already holds a port.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { REPO_ROOT, testConfig } from '../helpers/daemon-process.js';
import { waitFor } from '../helpers/net.js';
import { useTempDir } from '../helpers/tmp.js';

interface NpmRun {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const started: ChildProcess[] = [];

/** `npm <args>` without its pre-scripts (global setup has built dist/) and without inherited ESCALATORD_* variables. */
function npm(args: string[], env: Record<string, string>): NpmRun {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ESCALATORD_') && !k.startsWith('npm_')));
  const dashes = args.indexOf('--');
  const withFlag = dashes < 0 ? [...args, '--ignore-scripts'] : [...args.slice(0, dashes), '--ignore-scripts', ...args.slice(dashes)];
  const child = spawn('npm', withFlag, { cwd: REPO_ROOT, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (output += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (output += s));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  return { child, output: () => output, exited };
}

/** The pids of `pid`'s direct children (Linux /proc). */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const orphans: number[] = [];

afterEach(() => {
  for (const c of started.splice(0)) c.kill('SIGKILL');
  for (const pid of orphans.splice(0)) if (alive(pid)) process.kill(pid, 'SIGKILL');
});

describe('npm start', () => {
  const tmp = useTempDir(beforeEach, afterEach);

  it('stops the daemon when the npm process is sent SIGTERM, releasing the port and the store lock', async () => {
    const dir = tmp().path;
    const config = tmp().write('escalatord.yaml', toYaml(testConfig(dir)));
    const run = npm(['start'], { ESCALATORD_CONFIG: config });
    const line = await waitFor(() => run.output().split('\n').find((l) => l.includes('escalatord is ready')), { timeoutMs: 20_000, what: 'the ready line' });
    const url = (JSON.parse(line) as { url: string }).url;
    // Whatever npm starts (a shell, or node itself): every process below npm must be gone afterwards.
    const below = (pid: number): number[] => childrenOf(pid).flatMap((c) => [c, ...below(c)]);
    const daemonPids = below(run.child.pid!);
    orphans.push(...daemonPids);
    expect(daemonPids.length).toBeGreaterThan(0);
    expect(existsSync(`${dir}/store.json.lock`)).toBe(true);

    run.child.kill('SIGTERM');
    await run.exited;
    await waitFor(() => daemonPids.every((pid) => !alive(pid)), { timeoutMs: 15_000, what: 'the daemon to exit after npm was signalled' });
    expect(existsSync(`${dir}/store.json.lock`)).toBe(false);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  }, 40_000);
});

describe('npm run simulator', () => {
  const tmp = useTempDir(beforeEach, afterEach);
  let holder: Server | undefined;
  afterEach(() => void holder?.close());

  it('says in one line which port is taken and which key to change, instead of a stack trace', async () => {
    holder = createServer();
    await new Promise<void>((r) => holder!.listen(0, '127.0.0.1', r));
    const port = (holder.address() as { port: number }).port;
    const config = tmp().write('sim.yaml', toYaml({ simulator: { enabled: true, consolePort: port, ticketingPort: 0 }, log: { level: 'info' } }));
    const run = npm(['run', 'simulator', '--', '--config', config], {});
    const { code } = await run.exited;
    expect(code).not.toBe(0);
    const errorLines = run.output().split('\n').filter((l) => l.includes(String(port)) && /in use/.test(l));
    expect(errorLines.length, run.output()).toBeGreaterThan(0);
    expect(errorLines[0]).toContain('simulator.consolePort');
    expect(run.output()).not.toMatch(/^\s+at /m);
  }, 40_000);
});
