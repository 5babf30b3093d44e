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
];

export function createLogger(opts: { level: string; destination?: DestinationStream }): Logger {
  return pino(
    {
      level: opts.level,
      base: { service: 'escalatord' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    opts.destination,
  );
}

export type { Logger };
