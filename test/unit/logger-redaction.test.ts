// Secrets never reach the log, wherever they sit in a logged object.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import axios from 'axios';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.js';

function memoryLogger(): { logger: ReturnType<typeof createLogger>; output: () => string; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = createLogger({ level: 'info', destination });
  const output = () => chunks.join('');
  return { logger, output, lines: () => output().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const SECRETS = {
  token: 'top-level-token-SECRET-1',
  secret: 'top-level-secret-SECRET-2',
  authorization: 'Bearer header-SECRET-3',
  nested: 'auth-tokens-SECRET-4',
  consoleSecret: 'whsec_console-SECRET-5',
  ticketingToken: 'ticketing-token-SECRET-6',
  password: 'password-SECRET-7',
};

describe('the logger', () => {
  it('redacts tokens, secrets, authorization headers and nested auth.tokens[].token', () => {
    const { logger, output, lines } = memoryLogger();
    logger.info(
      {
        token: SECRETS.token,
        secret: SECRETS.secret,
        req: { method: 'POST', headers: { authorization: SECRETS.authorization, 'content-type': 'application/json' } },
        auth: { tokens: [{ name: 'l2-desk', role: 'l2', token: SECRETS.nested }] },
      },
      'request with secrets',
    );
    const text = output();
    for (const s of [SECRETS.token, SECRETS.secret, SECRETS.authorization, SECRETS.nested]) expect(text).not.toContain(s);
    const [line] = lines();
    expect(line).toMatchObject({
      msg: 'request with secrets',
      token: '[redacted]',
      secret: '[redacted]',
      req: { method: 'POST', headers: { authorization: '[redacted]', 'content-type': 'application/json' } },
      auth: { tokens: [{ name: 'l2-desk', role: 'l2', token: '[redacted]' }] },
    });
  });

  it('redacts the secrets of a whole configuration logged under `config`', () => {
    const { logger, output, lines } = memoryLogger();
    logger.info({
      config: {
        auth: { tokens: [{ name: 'desk', token: SECRETS.nested }] },
        ingest: { console: { secret: SECRETS.consoleSecret } },
        ticketing: { url: 'http://tickets.example', token: SECRETS.ticketingToken, password: SECRETS.password },
      },
    }, 'configuration loaded');
    const text = output();
    for (const s of [SECRETS.nested, SECRETS.consoleSecret, SECRETS.ticketingToken, SECRETS.password]) expect(text).not.toContain(s);
    expect(lines()[0]).toMatchObject({ config: { ticketing: { url: 'http://tickets.example' } } });
  });

  it('redacts the Authorization header of a failed outbound request logged as `err`', () => {
    const { logger, output } = memoryLogger();
    // The shape axios gives an error: the request config, headers with their original case, rides along.
    const err = Object.assign(new Error('Request failed with status code 502'), {
      config: { url: 'http://tickets.example/tickets', headers: { Authorization: SECRETS.authorization, 'Content-Type': 'application/json' } },
    });
    Object.assign(err, { request: { _header: `POST /tickets HTTP/1.1\r\nAuthorization: ${SECRETS.authorization}\r\n\r\n` } });
    logger.error({ err }, 'ticket create failed');
    expect(output()).not.toContain('header-SECRET-3');
    expect(output()).toContain('Request failed with status code 502');
  });

  it('redacts the bearer token of a real axios error', async () => {
    const server = createServer((_req, res) => res.writeHead(502).end('bad gateway'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { logger, output, lines } = memoryLogger();
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tickets`;
      const err = await axios.post(url, { title: 't' }, { headers: { Authorization: `Bearer ${SECRETS.ticketingToken}` } }).then(() => null, (e: unknown) => e);
      expect(axios.isAxiosError(err)).toBe(true);
      logger.error({ err }, 'ticket create failed');
    } finally {
      server.close();
    }
    expect(output()).not.toContain(SECRETS.ticketingToken);
    // What identifies the failure is kept.
    expect(lines()[0]).toMatchObject({ err: { message: 'Request failed with status code 502', status: 502, method: 'post', url: expect.stringContaining('/tickets') } });
  });

  it('redacts in child loggers too', () => {
    const { logger, output } = memoryLogger();
    logger.child({ component: 'tickets' }).warn({ headers: { authorization: SECRETS.authorization }, token: SECRETS.token }, 'retrying');
    expect(output()).not.toContain('SECRET');
    expect(output()).toContain('"component":"tickets"');
  });

  it('writes one JSON object per line with the service name and an ISO time', () => {
    const { logger, lines } = memoryLogger();
    logger.info('hello');
    logger.debug('not at info level');
    const all = lines();
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ service: 'escalatord', msg: 'hello', level: 30 });
    expect(String(all[0].time)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/);
  });
});
