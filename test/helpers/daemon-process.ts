// Runs the compiled daemon (`node dist/main.js`, built once by test/global-setup.ts) as a real child
// process: start it on a config, wait for the URL it reports, signal it, and collect what it printed.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify as toYaml } from 'yaml';
import { makeTempDir, type TempDir } from './tmp.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DAEMON_ENTRY = join(REPO_ROOT, 'dist/main.js');

export interface ExitResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface DaemonProcessOptions {
  /**
   * The configuration, as YAML text or an object written out as YAML. Default: `testConfig(dir)`.
   * The helper learns the URL from the "escalatord is ready" log line, so `log.level` must be `info` or
   * more verbose.
   */
  configYaml?: string | Record<string, unknown>;
  /** Added to the child's environment. `ESCALATORD_*` variables of the test process are never inherited. */
  env?: Record<string, string | undefined>;
  /** Folder for the config file, the default store and the working directory. Default: a new temp folder, removed on exit. */
  dir?: string;
  /** Extra command-line arguments after `--config FILE`. */
  args?: string[];
  /** How the daemon learns the config file: `--config FILE` (default) or `ESCALATORD_CONFIG=FILE`. */
  configVia?: 'flag' | 'env';
  readyTimeoutMs?: number;
}

export interface DaemonProcess {
  /** e.g. `http://127.0.0.1:41234`, as the daemon reported it. */
  readonly url: string;
  readonly child: ChildProcess;
  readonly dir: string;
  readonly configPath: string;
  /** Settles when the process has exited, whoever caused it. */
  readonly exited: Promise<ExitResult>;
  stdout(): string;
  stderr(): string;
  /** The JSON log lines printed so far. */
  logs(): Array<Record<string, unknown>>;
  /** Sends `signal` (default SIGTERM) and waits for the exit; SIGKILLs after `timeoutMs` (default 10 s). Safe to call twice. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<ExitResult>;
  /** SIGKILL: the daemon gets no chance to clean up (a power cut, an OOM kill). */
  kill(): Promise<ExitResult>;
}

/** A minimal valid config for a test daemon: loopback, an ephemeral port, a store in `dir`, no simulators. */
export function testConfig(dir: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const base = {
    server: { host: '127.0.0.1', port: 0, shutdownTimeout: '5s' },
    log: { level: 'info' },
    storage: { path: join(dir, 'store.json') },
    simulator: { enabled: false },
  };
  return deepMerge(base, overrides);
}

/** Merges plain objects key by key; arrays and other values in `b` replace those in `a`. */
export function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = isPlainObject(prev) && isPlainObject(v) ? deepMerge(prev, v) : v;
  }
  return out;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ESCALATORD_')) env[k] = v;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Spawns `node dist/main.js ...args` and collects its output; `exited` settles on exit. */
export function spawnDaemon(args: string[], opts: { env?: Record<string, string | undefined>; cwd?: string } = {}) {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // A crashed test run must not leave daemons holding ports and store locks.
    process.once('exit', () => {
      for (const c of running) c.kill('SIGKILL');
    });
  }
  const child = spawn(process.execPath, [DAEMON_ENTRY, ...args], { cwd: opts.cwd ?? REPO_ROOT, env: childEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exited = new Promise<ExitResult>((resolveExit) => {
    child.once('close', (code, signal) => {
      running.delete(child);
      resolveExit({ code, signal, stdout, stderr });
    });
  });
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

/** Runs the CLI to completion, e.g. `runCli(['check-config', file])`; kills it after `timeoutMs` (default 15 s). */
export async function runCli(args: string[], opts: { env?: Record<string, string | undefined>; cwd?: string; timeoutMs?: number } = {}): Promise<ExitResult> {
  const proc = spawnDaemon(args, opts);
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), opts.timeoutMs ?? 15_000);
  try {
    return await proc.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Starts the daemon and resolves once it has reported its URL; rejects with its output if it exits first. */
export async function startDaemonProcess(opts: DaemonProcessOptions = {}): Promise<DaemonProcess> {
  const temp: TempDir | undefined = opts.dir ? undefined : makeTempDir('escalatord-daemon-');
  const dir = opts.dir ?? temp!.path;
  const config = opts.configYaml ?? testConfig(dir);
  const configPath = join(dir, 'escalatord.yaml');
  writeFileSync(configPath, typeof config === 'string' ? config : toYaml(config));

  const viaEnv = opts.configVia === 'env';
  const args = [...(viaEnv ? [] : ['--config', configPath]), ...(opts.args ?? [])];
  const proc = spawnDaemon(args, { env: viaEnv ? { ...opts.env, ESCALATORD_CONFIG: configPath } : opts.env, cwd: dir });
  void proc.exited.then(() => temp?.remove());
  const logs = () =>
    proc
      .stdout()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as Record<string, unknown>];
        } catch {
          return [];
        }
      });

  const readyTimeout = opts.readyTimeoutMs ?? 15_000;
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => {
      proc.child.kill('SIGKILL');
      reject(new Error(`the daemon did not report ready within ${readyTimeout} ms\nstdout:\n${proc.stdout()}\nstderr:\n${proc.stderr()}`));
    }, readyTimeout);
    const onData = () => {
      const ready = logs().find((l) => l.msg === 'escalatord is ready' && typeof l.url === 'string');
      if (!ready) return;
      clearTimeout(timer);
      proc.child.stdout!.off('data', onData);
      resolveUrl(ready.url as string);
    };
    proc.child.stdout!.on('data', onData);
    void proc.exited.then((r) => {
      clearTimeout(timer);
      reject(new Error(`the daemon exited (code ${r.code}, signal ${r.signal}) before it was ready\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`));
    });
  });

  let stopping: Promise<ExitResult> | undefined;
  const stop = (signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000): Promise<ExitResult> => {
    if (stopping) return stopping;
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) return proc.exited;
    proc.child.kill(signal);
    const timer = setTimeout(() => proc.child.kill('SIGKILL'), timeoutMs);
    stopping = proc.exited.finally(() => clearTimeout(timer));
    return stopping;
  };
  return {
    url,
    child: proc.child,
    dir,
    configPath,
    exited: proc.exited,
    stdout: proc.stdout,
    stderr: proc.stderr,
    logs,
    stop,
    kill: () => {
      proc.child.kill('SIGKILL');
      return proc.exited;
    },
  };
}

/** SIGKILLs every daemon this file started that is still running; for `afterEach`. */
export async function killAllDaemons(): Promise<void> {
  const waits = [...running].map((c) => new Promise<void>((r) => {
    c.once('close', () => r());
    c.kill('SIGKILL');
  }));
  await Promise.all(waits);
}
