// The one way adapters talk HTTP: a hard per-call deadline, the auth header, no redirects, a bounded
// response size, and every failure turned into a classified TicketError.
import axios, { type AxiosInstance, type AxiosRequestConfig, type AxiosResponse } from 'axios';
import type { Config } from '../config/schema.js';
import { TicketError, classifyAxiosError } from './ticket-error.js';

export type TicketingConfig = Config['ticketing'];

/** What every adapter constructor takes. */
export interface TicketAdapterDeps {
  config: TicketingConfig;
  /** The daemon's public base URL, used to make relative incident links absolute. */
  publicUrl?: string;
  /** An axios instance to use instead of a fresh one (tests, proxies). */
  httpClient?: AxiosInstance;
  now?: () => Date;
}

const MAX_RESPONSE_BYTES = 1024 * 1024;

export interface TicketHttp {
  send<T = unknown>(request: AxiosRequestConfig): Promise<AxiosResponse<T>>;
  readonly baseUrl: string;
}

export function basicAuth(username: string, secret: string): string {
  return `Basic ${Buffer.from(`${username}:${secret}`, 'utf8').toString('base64')}`;
}

/** Basic auth when a username is configured (Jira Cloud API tokens, ServiceNow users), else a bearer token. */
export function authHeader(config: TicketingConfig): string | undefined {
  if (!config.token) return undefined;
  return config.username ? basicAuth(config.username, config.token) : `Bearer ${config.token}`;
}

export function requireUrl(config: TicketingConfig, adapter: string): string {
  if (!config.url) throw new Error(`ticketing.url is required for the ${adapter} adapter`);
  return config.url.replace(/\/+$/, '');
}

export function createTicketHttp(deps: TicketAdapterDeps, adapter: string, authorization: string | undefined): TicketHttp {
  const baseUrl = requireUrl(deps.config, adapter);
  const client = deps.httpClient ?? axios.create();
  const now = deps.now ?? (() => new Date());
  const timeout = deps.config.timeout;
  return {
    baseUrl,
    async send<T>(request: AxiosRequestConfig): Promise<AxiosResponse<T>> {
      try {
        return await client.request<T>({
          ...request,
          // A string concatenation, not URL resolution, so a context path (https://host/jira) is kept.
          url: `${baseUrl}${request.url ?? ''}`,
          // `timeout` alone is a socket-idle timer; the signal bounds the whole call, DNS included.
          timeout,
          signal: AbortSignal.timeout(timeout),
          maxRedirects: 0,
          maxContentLength: MAX_RESPONSE_BYTES,
          responseType: 'json',
          headers: {
            Accept: 'application/json',
            ...(request.data !== undefined ? { 'Content-Type': 'application/json' } : {}),
            ...(authorization ? { Authorization: authorization } : {}),
            ...(request.headers as Record<string, string> | undefined),
          },
        });
      } catch (err) {
        throw classifyAxiosError(err, now());
      }
    },
  };
}

/** A response that parsed but lacks what we need; retryable because the idempotency key makes it safe. */
export function badResponse(message: string, status?: number): TicketError {
  return new TicketError('bad-response', message, { retryable: true, ...(status !== undefined ? { status } : {}) });
}

/** Makes `/api/v1/incidents/X` absolute against the public URL; absolute links pass through. */
export function absoluteLink(link: string, publicUrl: string | undefined): string {
  if (!publicUrl || /^[a-z][a-z0-9+.-]*:/i.test(link)) return link;
  return `${publicUrl.replace(/\/+$/, '')}/${link.replace(/^\/+/, '')}`;
}
