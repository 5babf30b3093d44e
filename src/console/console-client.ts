// The Monitoring Console client (DESIGN §3): one instance per configured console. Every call has a hard
// deadline, carries the bearer token where configured, and reuses keep-alive sockets capped at the
// console's concurrency so a poll of thousands of servers neither opens thousands of sockets nor waits on
// a handshake per request. Failures come back as ConsoleError with a reason that can label a log line.
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import axios, { type AxiosInstance } from 'axios';
import { z } from 'zod';
import type { ConsoleConfig } from '../config/schema.js';
import { AppError, ValidationError } from '../domain/errors.js';
import type { StatusReport } from '../domain/types.js';
import { LIMITS, parseStatusReport, zodProblems } from '../domain/report-schema.js';

export interface ConsoleServer {
  id: string;
  name: string;
  customerId: string;
}

export type ConsoleErrorReason = 'timeout' | 'network' | 'http' | 'bad-response' | 'aborted';

/** A console call that failed; `status` is the HTTP status when the console answered. */
export class ConsoleError extends AppError {
  constructor(
    readonly reason: ConsoleErrorReason,
    message: string,
    readonly status?: number,
  ) {
    super('console_unavailable', message, { reason, ...(status !== undefined ? { status } : {}) });
  }
}

export interface ConsoleClientDeps {
  config: ConsoleConfig;
  /** An axios instance to use instead of a fresh one (tests). */
  httpClient?: AxiosInstance;
}

export interface CallOptions {
  /** Aborts the call early, e.g. when the poller stops. */
  signal?: AbortSignal;
}

const MAX_LIST_BYTES = 64 * 1024 * 1024;
const MAX_STATUS_BYTES = 1024 * 1024;
const MAX_DIAGNOSTICS_BYTES = 4 * 1024 * 1024;

const serverListSchema = z.object({
  servers: z.array(z.object({
    id: z.string().min(1).max(LIMITS.idLength),
    name: z.string().max(LIMITS.idLength).optional(),
    customerId: z.string().min(1).max(LIMITS.idLength).optional(),
  })),
});

export class ConsoleClient {
  readonly id: string;
  private readonly http: AxiosInstance;
  private readonly baseUrl: string;
  private readonly httpAgent: HttpAgent;
  private readonly httpsAgent: HttpsAgent;

  constructor(private readonly deps: ConsoleClientDeps) {
    const { config } = deps;
    this.id = config.id;
    this.baseUrl = config.url.replace(/\/+$/, '');
    this.httpAgent = new HttpAgent({ keepAlive: true, maxSockets: config.concurrency, maxFreeSockets: config.concurrency });
    this.httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: config.concurrency, maxFreeSockets: config.concurrency });
    this.http = deps.httpClient ?? axios.create();
  }

  /** Every server the console monitors. */
  async listServers(opts: CallOptions = {}): Promise<ConsoleServer[]> {
    const body = await this.get('/api/v1/servers', MAX_LIST_BYTES, opts);
    const parsed = serverListSchema.safeParse(body);
    if (!parsed.success) {
      throw new ConsoleError('bad-response', `server list is malformed: ${new ValidationError(zodProblems(parsed.error)).message}`);
    }
    return parsed.data.servers.map((s) => ({ id: s.id, name: s.name ?? s.id, customerId: s.customerId ?? 'unknown' }));
  }

  /** The server's current StatusReport, validated and normalised. */
  async status(serverId: string, opts: CallOptions = {}): Promise<StatusReport> {
    const body = await this.get(`/api/v1/servers/${encodeURIComponent(serverId)}/status`, MAX_STATUS_BYTES, opts);
    let report: StatusReport;
    try {
      report = parseStatusReport(body);
    } catch (err) {
      throw new ConsoleError('bad-response', `status of ${serverId} is malformed: ${(err as Error).message}`);
    }
    if (report.serverId !== serverId) throw new ConsoleError('bad-response', `status asked for ${serverId} but describes ${report.serverId}`);
    return report;
  }

  /** The console's diagnostics for one component: an opaque JSON value, stored as-is by the caller. */
  async diagnostics(serverId: string, component: string, opts: CallOptions = {}): Promise<unknown> {
    const path = `/api/v1/servers/${encodeURIComponent(serverId)}/diagnostics?component=${encodeURIComponent(component)}`;
    return this.get(path, MAX_DIAGNOSTICS_BYTES, opts);
  }

  /** Closes idle keep-alive sockets. Safe to call twice. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private async get(path: string, maxBytes: number, opts: CallOptions): Promise<unknown> {
    const timeout = this.deps.config.timeout;
    // `timeout` alone is a socket-idle timer; the signal bounds the whole call, connect included.
    const deadline = AbortSignal.timeout(timeout);
    const signal = opts.signal ? AbortSignal.any([deadline, opts.signal]) : deadline;
    try {
      const res = await this.http.request({
        method: 'GET',
        url: `${this.baseUrl}${path}`,
        timeout,
        signal,
        httpAgent: this.httpAgent,
        httpsAgent: this.httpsAgent,
        maxRedirects: 0,
        maxContentLength: maxBytes,
        responseType: 'json',
        headers: {
          Accept: 'application/json',
          ...(this.deps.config.token ? { Authorization: `Bearer ${this.deps.config.token}` } : {}),
        },
        validateStatus: () => true,
      });
      if (res.status < 200 || res.status > 299) {
        throw new ConsoleError('http', `GET ${path} answered ${res.status}`, res.status);
      }
      if (typeof res.data !== 'object' || res.data === null) throw new ConsoleError('bad-response', `GET ${path} did not answer JSON`);
      return res.data;
    } catch (err) {
      if (err instanceof ConsoleError) throw err;
      if (opts.signal?.aborted) throw new ConsoleError('aborted', `GET ${path} aborted`);
      if (deadline.aborted || (axios.isAxiosError(err) && (err.code === 'ECONNABORTED' || err.code === 'ETIMEDOUT'))) {
        throw new ConsoleError('timeout', `GET ${path} timed out after ${timeout} ms`);
      }
      if (axios.isAxiosError(err) && err.code === 'ERR_BAD_RESPONSE') throw new ConsoleError('bad-response', `GET ${path}: ${err.message}`);
      throw new ConsoleError('network', `GET ${path} failed: ${(err as Error).message}`);
    }
  }
}
