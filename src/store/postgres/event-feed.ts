// Committed events to this instance's listeners, whichever instance committed them, in seq order with
// none skipped. A sequencing pass NOTIFYs the last seq it numbered (in its transaction, so the
// notification leaves at COMMIT); a dedicated session LISTENs and, on a notification, the feed reads the
// event log from the last seq it delivered. The notification carries only a number: the rows come from the table, so a
// lost or merged notification costs nothing, and a poll every second covers a LISTEN session that is
// down. What this instance's own passes numbered is handed over directly when nothing comes before it.
import type pg from 'pg';
import type { LoggedEvent } from '../../domain/types.js';
import { EVENTS_CHANNEL } from './sequencer.js';

export interface EventFeedDeps {
  /** A new session for LISTEN (not from the pool: it stays on one connection for as long as it listens). */
  connect: () => Promise<pg.Client>;
  /** Committed events with seq > fromSeq, in order, at most `limit`. */
  read: (fromSeq: number, limit: number) => Promise<LoggedEvent[]>;
  pollMs: number;
  onError: (err: unknown, what: string) => void;
  /** This instance's numbering pass in flight, if one is: it hands its events over itself (deliverOwn). */
  localPass?: () => Promise<unknown> | undefined;
}

const PAGE = 1000;

export class EventFeed {
  private readonly listeners: Array<(events: LoggedEvent[]) => void> = [];
  /** The last seq handed to the listeners. */
  private delivered = 0;
  private chain: Promise<void> = Promise.resolve();
  private queued: Promise<void> | undefined;
  private listenClient: pg.Client | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private stopped = true;

  constructor(private readonly deps: EventFeedDeps) {}

  onEvents(listener: (events: LoggedEvent[]) => void): void {
    this.listeners.push(listener);
  }

  /** Starts after `fromSeq` (the log's end when the store opens: listeners hear what is new). */
  async start(fromSeq: number): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    this.delivered = fromSeq;
    await this.listen();
    this.schedulePoll();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.pollTimer);
    clearTimeout(this.reconnectTimer);
    this.pollTimer = this.reconnectTimer = undefined;
    const client = this.listenClient;
    this.listenClient = undefined;
    if (client) await client.end().catch(() => undefined);
    await this.chain;
  }

  /** Reads what is new and delivers it; several calls while one waits share it. */
  pump(): Promise<void> {
    if (this.queued) return this.queued;
    const run = this.chain.then(async () => {
      this.queued = undefined;
      await this.readAndDeliver(Number.MAX_SAFE_INTEGER);
    });
    this.queued = run;
    this.chain = run.catch((err: unknown) => this.deps.onError(err, 'reading the event log'));
    return this.chain;
  }

  /** Resolves once everything up to `seq` has been delivered (reading the log if it must). */
  deliverUntil(seq: number): Promise<void> {
    const run = this.chain.then(async () => {
      if (!this.stopped && this.delivered < seq) await this.readAndDeliver(seq);
    });
    this.chain = run.catch((err: unknown) => this.deps.onError(err, 'reading the event log'));
    return this.chain;
  }

  /** Events a local pass numbered (contiguous), delivered in their place in the order. */
  deliverOwn(events: LoggedEvent[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    const first = events[0].seq;
    const last = events[events.length - 1].seq;
    const run = this.chain.then(async () => {
      if (this.stopped || this.delivered >= last) return;
      // Everything before `first` was numbered by an earlier pass; if all of it is delivered, these are
      // next. Otherwise read the gap (and these) from the log.
      if (this.delivered === first - 1) this.emit(events);
      else await this.readAndDeliver(last);
    });
    this.chain = run.catch((err: unknown) => this.deps.onError(err, 'reading the event log'));
    return this.chain;
  }

  private async readAndDeliver(until: number): Promise<void> {
    while (!this.stopped && this.delivered < until) {
      const events = await this.deps.read(this.delivered, PAGE);
      if (events.length === 0) return;
      this.emit(events);
      if (events.length < PAGE) return;
    }
  }

  private emit(events: LoggedEvent[]): void {
    this.delivered = events[events.length - 1].seq;
    for (const l of this.listeners) {
      try {
        l(events);
      } catch (err) {
        this.deps.onError(err, 'an event listener');
      }
    }
  }

  private async listen(): Promise<void> {
    let client: pg.Client | undefined;
    try {
      client = await this.deps.connect();
      const c = client;
      c.on('notification', (msg) => {
        if (msg.channel !== EVENTS_CHANNEL) return;
        const seq = Number(msg.payload);
        // Often the NOTIFY of this instance's own pass, come before the pass's answer: after that pass
        // has handed its events over, only what is still missing is read.
        const local = this.deps.localPass?.();
        if (!local) {
          if (seq > this.delivered) void this.pump();
          return;
        }
        void local.catch(() => undefined).then(() => {
          if (seq > this.delivered) void this.pump();
        });
      });
      const lost = (err?: unknown) => {
        if (this.listenClient !== c) return;
        this.listenClient = undefined;
        if (err) this.deps.onError(err, 'the LISTEN session');
        void c.end().catch(() => undefined);
        this.scheduleReconnect();
      };
      c.on('error', lost);
      c.on('end', () => lost());
      await c.query(`LISTEN ${EVENTS_CHANNEL}`);
      if (this.stopped) {
        await c.end().catch(() => undefined);
        return;
      }
      this.listenClient = c;
      // Whatever was committed while no one listened.
      void this.pump();
    } catch (err) {
      this.deps.onError(err, 'the LISTEN session');
      await client?.end().catch(() => undefined);
      this.scheduleReconnect();
    }
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.stopped) void this.listen();
    }, this.deps.pollMs);
    this.reconnectTimer.unref();
  }

  private schedulePoll(): void {
    if (this.stopped) return;
    this.pollTimer = setTimeout(() => {
      void this.pump().finally(() => this.schedulePoll());
    }, this.deps.pollMs);
    this.pollTimer.unref();
  }
}
