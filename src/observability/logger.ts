// pino JSON-lines logger. Secrets never reach the log: redaction covers tokens, secrets, passwords and
// Authorization headers wherever they appear in a logged object.
import { pino, type Logger, type DestinationStream } from 'pino';

export const REDACT_PATHS = [
  'token', '*.token', '*.*.token', 'tokens[*].token', '*.tokens[*].token', '*.*.tokens[*].token',
  'secret', '*.secret', '*.*.secret', '*.*.*.secret',
  'password', '*.password', '*.*.password',
  'authorization', '*.authorization', '*.*.authorization',
  'req.headers.authorization', 'req.headers["webhook-signature"]', 'req.headers.cookie',
  'headers.authorization', 'headers.Authorization', 'config.headers.Authorization',
  // A logged axios error carries its request config and the raw request head, bearer token included.
  'err.config.headers.Authorization', 'err.config.headers.authorization', 'err.request._header',
  'err.response.config.headers.Authorization', 'err.response.config.headers.authorization', 'err.response.request._header',
];

/** Query parameters whose values are credentials, whatever their case: `token`, `access_token`, `apiKey`, `sig`… */
const SECRET_PARAM = /token|secret|passw|pwd|api[-_]?key|^key$|auth|sig|session|credential/i;

/**
 * The url with the value of every credential-like query parameter replaced by `[redacted]`, for logging.
 * Clients are told to send tokens in the Authorization header, but a token in a query string must not
 * end up in the log.
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = url.slice(q + 1).split('&').map((pair) => {
    const eq = pair.indexOf('=');
    const rawName = eq < 0 ? pair : pair.slice(0, eq);
    let name = rawName;
    try {
      name = decodeURIComponent(rawName.replace(/\+/g, ' '));
    } catch {
      /* keep the raw name */
    }
    return eq >= 0 && SECRET_PARAM.test(name) ? `${rawName}=[redacted]` : pair;
  });
  return `${url.slice(0, q)}?${params.join('&')}`;
}

export function createLogger(opts: { level: string; destination?: DestinationStream }): Logger {
  return pino(
    {
      level: opts.level,
      base: { service: 'escalatord' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: { err: serializeError },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    opts.destination,
  );
}

/**
 * An axios error holds the whole request (headers, the raw request head, sockets), bearer tokens included
 * in places no redact path can follow; it is logged as what identifies the failure and nothing more.
 */
export function serializeError(err: unknown): unknown {
  const e = err as { isAxiosError?: boolean; name?: string; message?: string; code?: string; stack?: string; config?: { method?: string; url?: string }; response?: { status?: number } };
  if (e && typeof e === 'object' && e.isAxiosError === true) {
    return { type: e.name, message: e.message, code: e.code, status: e.response?.status, method: e.config?.method, url: e.config?.url, stack: e.stack };
  }
  return pino.stdSerializers.err(err as Error);
}

export type { Logger };
