// The Monitoring Console simulator: serves DESIGN §3 for a generated fleet, injects random faults that
// recover by themselves, offers a control API for deterministic tests, and optionally pushes each change
// as a signed Standard Webhooks delta. Routes live in console-routes.ts.
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { ComponentStatus, StatusReport } from '../domain/types.js';
import { FaultInjector } from './fault-injector.js';
import { generateFleet, seededRandom } from './fleet.js';
import { FleetState, type StatusChange } from './fleet-state.js';
import { consoleApp } from './console-routes.js';
import { closeServer, defaultSimulatorLogger, listen } from './http-server.js';
import { WebhookPusher, type PushStats } from './webhook-pusher.js';

export interface ConsoleSimulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Number of servers, default 24. */
  servers?: number;
  /** Number of customers the servers are spread over, default 6. */
  customers?: number;
  /** Seed for the fleet, the fault dice and the diagnostics; default 1. */
  seed?: number;
  /** Probability per server per tick that a random fault starts; default 0.02. */
  faultRate?: number;
  /** Milliseconds between fault ticks; default 10000. */
  faultInterval?: number;
  /** Whether new random faults start from the beginning; default true. `POST /control/faults` toggles it. */
  faults?: boolean;
  /** Inclusive range of ticks after which a random fault recovers; default [3, 12]. */
  recoverAfterTicks?: readonly [number, number];
  /** When set, `/api/v1/*` requires `Authorization: Bearer <token>`. The control API never does. */
  token?: string;
  /** When set, every status change is POSTed to `url` as a signed StatusReport delta. */
  push?: { url: string; secret: string; timeoutMs?: number };
  logger?: Logger;
  now?: () => Date;
}

/** What the control routes and tests may do to the simulator. */
export interface ConsoleControl {
  readonly state: FleetState;
  readonly token: string | undefined;
  readonly outage: boolean;
  readonly faultsEnabled: boolean;
  now(): Date;
  setComponent(serverId: string, name: string, status: ComponentStatus, message?: string): void;
  setReachable(serverId: string, reachable: boolean): void;
  setFaults(enabled: boolean): void;
  setOutage(down: boolean): void;
  reset(): void;
  tick(): StatusChange[];
  describe(): Record<string, unknown>;
}

export class ConsoleSimulator implements ConsoleControl {
  readonly state: FleetState;
  readonly token: string | undefined;
  private readonly logger: Logger;
  private readonly clock: () => Date;
  private readonly injector: FaultInjector;
  private readonly pusher: WebhookPusher | null;
  private faultsOn: boolean;
  private down = false;
  private timer: NodeJS.Timeout | null = null;
  private server: Server | null = null;
  private started: Promise<{ url: string }> | null = null;
  private baseUrl: string | null = null;

  constructor(private readonly options: ConsoleSimulatorOptions = {}) {
    this.logger = options.logger ?? defaultSimulatorLogger('console-simulator');
    this.clock = options.now ?? (() => new Date());
    this.token = options.token;
    const seed = options.seed ?? 1;
    const fleet = generateFleet({ servers: options.servers ?? 24, customers: options.customers ?? 6, seed });
    this.state = new FleetState(fleet, this.clock());
    this.injector = new FaultInjector({
      state: this.state,
      random: seededRandom(seed ^ 0x5eed),
      rate: options.faultRate ?? 0.02,
      recoverAfterTicks: options.recoverAfterTicks ?? [3, 12],
    });
    this.faultsOn = options.faults ?? true;
    this.pusher = options.push
      ? new WebhookPusher({ ...options.push, logger: this.logger, now: this.clock })
      : null;
  }

  get url(): string | null {
    return this.baseUrl;
  }

  get outage(): boolean {
    return this.down;
  }

  get faultsEnabled(): boolean {
    return this.faultsOn;
  }

  now(): Date {
    return this.clock();
  }

  /** Listens and starts the fault timer. A second call returns the first call's result. */
  start(): Promise<{ url: string }> {
    this.started ??= (async () => {
      const { server, url } = await listen(consoleApp(this, this.logger), this.options.host ?? '127.0.0.1', this.options.port ?? 0);
      this.server = server;
      this.baseUrl = url;
      this.timer = setInterval(() => this.tick(), this.options.faultInterval ?? 10_000);
      this.timer.unref();
      this.logger.info({ url, ...this.state.summary(), push: this.options.push?.url ?? null }, 'monitoring console simulator listening');
      return { url };
    })();
    return this.started;
  }

  /** Stops the timer, aborts pushes and closes the server. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.pusher?.stop();
    const server = this.server;
    this.server = null;
    if (server) {
      await closeServer(server);
      this.logger.info('monitoring console simulator stopped');
    }
  }

  /** One fault tick (the timer's, or `POST /control/tick`): recoveries due, then new faults while enabled. */
  tick(): StatusChange[] {
    const changes = this.injector.tick(this.clock(), this.faultsOn);
    if (changes.length > 0) this.logger.info({ changed: changes.length, ...this.state.summary() }, 'fault tick');
    this.emit(changes);
    return changes;
  }

  setComponent(serverId: string, name: string, status: ComponentStatus, message?: string): void {
    this.injector.release(serverId, name);
    const changed = this.state.setComponent(serverId, name, status, message, this.clock());
    if (!changed) return;
    const reachable = this.state.server(serverId)?.reachable ?? true;
    this.emit([{ serverId, reachable, reachableChanged: false, components: [changed] }]);
  }

  setReachable(serverId: string, reachable: boolean): void {
    this.injector.release(serverId, null);
    if (this.state.setReachable(serverId, reachable)) {
      this.emit([{ serverId, reachable, reachableChanged: true, components: [] }]);
    }
  }

  setFaults(enabled: boolean): void {
    this.faultsOn = enabled;
    this.logger.info({ enabled }, 'random faults switched');
  }

  setOutage(down: boolean): void {
    this.down = down;
    this.logger.info({ down }, 'console outage switched');
  }

  /** Everything healthy and reachable, no outage, random faults as configured at construction. */
  reset(): void {
    this.injector.clear();
    this.down = false;
    this.faultsOn = this.options.faults ?? true;
    this.emit(this.state.reset(this.clock()));
    this.logger.info('console simulator reset');
  }

  pushStats(): PushStats | null {
    return this.pusher?.stats() ?? null;
  }

  /** Waits for pushes in flight; tests use it before asserting on what a receiver got. */
  async drainPushes(): Promise<void> {
    await this.pusher?.drain();
  }

  describe(): Record<string, unknown> {
    return { ...this.state.summary(), faultsEnabled: this.faultsOn, activeFaults: this.injector.activeFaults, outage: this.down, push: this.pushStats() };
  }

  private emit(changes: StatusChange[]): void {
    if (!this.pusher || changes.length === 0) return;
    const observedAt = this.clock().toISOString();
    for (const change of changes) {
      const server = this.state.server(change.serverId)?.server;
      const report: StatusReport = {
        serverId: change.serverId,
        observedAt,
        reachable: change.reachable,
        components: change.components,
        ...(server ? { name: server.name, customerId: server.customerId } : {}),
      };
      this.pusher.push(report);
    }
  }
}
