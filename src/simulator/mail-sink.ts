// The demo's mail sink: an SMTP server on loopback that keeps the last messages it was sent, and an HTTP
// listing of them, so `npm start` shows the e-mail a breach or a management step sends without a real
// mail server. `GET /mail` lists (newest first, `?to=` filters by recipient), `GET /mail/{id}` shows one,
// `GET /mail/{id}/html` renders its HTML body in a sandbox, `DELETE /mail` empties the box.
// Tests use it as a real SMTP server too, and `reply` lets them refuse senders or recipients with any code.
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { simpleParser, type AddressObject } from 'mailparser';
import type { Logger } from 'pino';
import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { closeServer, defaultSimulatorLogger, errorHandler, listen, problem, requestLog } from './http-server.js';

export interface SinkMessage {
  id: string;
  receivedAt: string;
  /** The SMTP envelope: who the message was delivered to, Bcc included. */
  envelope: { from: string | null; to: string[] };
  from: string | null;
  to: string[];
  subject: string;
  text: string;
  html: string | null;
  /** The `X-Escalatord-*` headers, lower-cased names. */
  headers: Record<string, string>;
  size: number;
}

/** A reply the sink gives instead of accepting: e.g. `{code: 421, message: 'try later'}`. */
export interface SmtpReply {
  code: number;
  message: string;
}

export interface MailSinkOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  smtpPort?: number;
  /** The HTTP listing's port; default 0; null: no HTTP listing (tests that read `messages()`). */
  httpPort?: number | null;
  /** Messages kept, oldest dropped first; default 200. */
  maxMessages?: number;
  /** Largest message accepted, in bytes; default 1 MiB. */
  maxMessageBytes?: number;
  /** Refuse a sender (`mail`) or a recipient (`rcpt`) with this reply; null accepts. */
  reply?: (stage: 'mail' | 'rcpt', address: string) => SmtpReply | null;
  logger?: Logger;
  now?: () => Date;
}

const addresses = (value: AddressObject | AddressObject[] | undefined): string[] =>
  (Array.isArray(value) ? value : value ? [value] : []).flatMap((a) => a.value.map((v) => v.address ?? '')).filter((a) => a !== '');

export class MailSink {
  private readonly box: SinkMessage[] = [];
  private readonly logger: Logger;
  private readonly clock: () => Date;
  private readonly waiters = new Set<() => void>();
  private smtp: SMTPServer | null = null;
  private http: Server | null = null;
  private started: Promise<{ smtpPort: number; httpUrl: string | null }> | null = null;
  private stopping: Promise<void> | null = null;
  private port: number | null = null;
  private listUrl: string | null = null;

  constructor(private readonly options: MailSinkOptions = {}) {
    this.logger = options.logger ?? defaultSimulatorLogger('mail-sink');
    this.clock = options.now ?? (() => new Date());
  }

  /** The SMTP port it listens on, once started. */
  get smtpPort(): number | null {
    return this.port;
  }

  /** e.g. `http://127.0.0.1:9126`, once started (null without an HTTP listing). */
  get httpUrl(): string | null {
    return this.listUrl;
  }

  /** Newest first. */
  messages(filter: { to?: string } = {}): SinkMessage[] {
    const to = filter.to?.toLowerCase();
    return this.box.filter((m) => !to || m.envelope.to.some((a) => a.toLowerCase() === to)).reverse();
  }

  clear(): void {
    this.box.length = 0;
  }

  /** Resolves with the first message (newest first) that `match` accepts, waiting for one to arrive. */
  async waitFor(match: (m: SinkMessage) => boolean, timeoutMs = 10_000): Promise<SinkMessage> {
    const found = () => this.messages().find(match);
    const now = found();
    if (now) return now;
    return new Promise((resolve, reject) => {
      const check = () => {
        const m = found();
        if (!m) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(m);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`no matching mail within ${timeoutMs} ms (${this.box.length} in the sink)`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  /** Listens for SMTP (and HTTP). A second call returns the first call's result. */
  start(): Promise<{ smtpPort: number; httpUrl: string | null }> {
    this.started ??= (async () => {
      const host = this.options.host ?? '127.0.0.1';
      const smtp = this.createSmtpServer();
      this.smtp = smtp;
      await new Promise<void>((resolve, reject) => {
        smtp.server.once('error', reject);
        smtp.listen(this.options.smtpPort ?? 0, host, () => {
          smtp.server.off('error', reject);
          resolve();
        });
      });
      // A client that drops mid-session is its business; the sink keeps listening.
      smtp.on('error', (err: Error) => this.logger.debug({ err: err.message }, 'smtp session error'));
      this.port = (smtp.server.address() as AddressInfo).port;
      if (this.options.httpPort !== null) {
        const { server, url } = await listen(this.httpApp(), host, this.options.httpPort ?? 0);
        this.http = server;
        this.listUrl = url;
      }
      this.logger.info({ smtp: `${host}:${this.port}`, list: this.listUrl ? `${this.listUrl}/mail` : null }, 'mail sink listening');
      return { smtpPort: this.port, httpUrl: this.listUrl };
    })();
    return this.started;
  }

  /** Stops both listeners, each even when the other fails; safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.started?.catch(() => undefined);
      const smtp = this.smtp;
      const results = await Promise.allSettled([
        smtp ? new Promise<void>((resolve) => {
          smtp.close(() => resolve());
          // Idle SMTP clients would hold close() for its grace period.
          for (const connection of smtp.connections) connection.close();
        }) : Promise.resolve(),
        this.http ? closeServer(this.http) : Promise.resolve(),
      ]);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    })();
    return this.stopping;
  }

  private createSmtpServer(): SMTPServer {
    const maxBytes = this.options.maxMessageBytes ?? 1024 * 1024;
    const refuse = (stage: 'mail' | 'rcpt', address: SMTPServerAddress, callback: (err?: Error | null) => void) => {
      const reply = this.options.reply?.(stage, address.address);
      if (!reply) return callback();
      callback(Object.assign(new Error(reply.message), { responseCode: reply.code }));
    };
    return new SMTPServer({
      name: 'mail-sink.escalatord.local',
      banner: 'escalatord demo mail sink',
      size: maxBytes,
      // Plain SMTP on loopback: no STARTTLS to a self-signed certificate, any (or no) login accepted.
      disabledCommands: ['STARTTLS'],
      authOptional: true,
      allowInsecureAuth: true,
      disableReverseLookup: true,
      logger: false,
      onAuth: (_auth, _session, callback) => callback(null, { user: 'demo' }),
      onMailFrom: (address, _session, callback) => refuse('mail', address, callback),
      onRcptTo: (address, _session, callback) => refuse('rcpt', address, callback),
      onData: (stream, session, callback) => void this.receive(stream, session, maxBytes).then(() => callback(), (err: Error) => callback(err)),
    });
  }

  private async receive(stream: SMTPServerDataStream, session: SMTPServerSession, maxBytes: number): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
    }
    if (stream.sizeExceeded) throw Object.assign(new Error('message too large'), { responseCode: 552 });
    const raw = Buffer.concat(chunks);
    const parsed = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true });
    const headers: Record<string, string> = {};
    for (const [name, value] of parsed.headers) if (name.startsWith('x-escalatord-') && typeof value === 'string') headers[name] = value;
    const envelopeFrom = session.envelope.mailFrom;
    const message: SinkMessage = {
      id: randomUUID(),
      receivedAt: this.clock().toISOString(),
      envelope: { from: envelopeFrom ? envelopeFrom.address : null, to: session.envelope.rcptTo.map((r) => r.address) },
      from: addresses(parsed.from)[0] ?? null,
      to: addresses(parsed.to),
      subject: parsed.subject ?? '',
      text: parsed.text ?? '',
      html: typeof parsed.html === 'string' ? parsed.html : null,
      headers,
      size,
    };
    this.box.push(message);
    while (this.box.length > (this.options.maxMessages ?? 200)) this.box.shift();
    this.logger.info({ to: message.envelope.to, subject: message.subject }, 'mail received');
    for (const waiter of [...this.waiters]) waiter();
  }

  private httpApp(): express.Express {
    const app = express();
    app.disable('x-powered-by');
    app.use(requestLog(this.logger));
    app.get('/mail', (req, res) => {
      const to = typeof req.query.to === 'string' ? req.query.to : undefined;
      res.json({ items: this.messages({ to }), nextCursor: null });
    });
    app.delete('/mail', (_req, res) => {
      this.clear();
      res.status(204).end();
    });
    app.get('/mail/:id', (req, res) => {
      const m = this.box.find((x) => x.id === req.params.id);
      if (!m) return problem(res, 404, 'Not Found', `no message ${req.params.id}`);
      res.json(m);
    });
    app.get('/mail/:id/html', (req, res) => {
      const m = this.box.find((x) => x.id === req.params.id);
      if (!m || m.html === null) return problem(res, 404, 'Not Found', `no HTML body for message ${req.params.id}`);
      // Whatever a mail says, it runs no script and loads nothing here.
      res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox");
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.type('html').send(m.html);
    });
    app.use((_req, res) => problem(res, 404, 'Not Found'));
    app.use(errorHandler(this.logger));
    return app;
  }
}
