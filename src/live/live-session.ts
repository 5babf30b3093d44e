// One connected live client: its filter, its position in the event stream and its send buffer guard.
import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import type { LoggedEvent } from '../domain/types.js';
import { compileFilter, MATCH_ALL_FILTER, type EventMatcher, type LiveFilter } from './subscription-filter.js';
import type { Principal } from './upgrade-auth.js';
import type { WsDropReason } from '../observability/metrics.js';

/** Why a client is dropped; the label values of `escalatord_ws_dropped_total{reason}`. */
export type DropReason = WsDropReason;

/** Close codes for the clients the server drops (RFC 6455 §7.4.1). */
const DROP_CLOSE: Record<Exclude<DropReason, 'heartbeat'>, [number, string]> = {
  slow: [1013, 'slow consumer'],
  flood: [1008, 'too many messages'],
};

export interface LiveSessionDeps {
  ws: WebSocket;
  /** The upgraded TCP socket under `ws`; corking it lets one tick's frames leave in one write. */
  socket: Duplex;
  principal: Principal;
  /** What the principal's role may see at all (the vendor: levels 3–4); absent: everything. */
  allowed?: EventMatcher;
  maxBufferedBytes: number;
  /** How long a client closed for being slow gets to finish the close handshake before it is cut off. */
  closeGraceMs: number;
  onDrop(reason: DropReason): void;
  /** Called when the session starts holding frames; the hub calls flush() at the end of the tick. */
  onCork(session: LiveSession): void;
}

// A burst stays corked only up to this size, so a healthy client's frames reach the kernel long before
// they could count against the slow-consumer limit.
const MAX_CORKED_BYTES = 64 * 1024;

const TEXT = { binary: false } as const;

export class LiveSession {
  readonly ws: WebSocket;
  readonly principal: Principal;
  filter: LiveFilter = MATCH_ALL_FILTER;
  matches: EventMatcher = compileFilter(MATCH_ALL_FILTER);
  /**
   * Every event with seq <= this was accounted for by the hello snapshot or a replay, so a later
   * publish of it is skipped: this is what keeps replay and live delivery free of duplicates.
   */
  coveredUpTo = 0;
  /** While true the client gets no live events: it has just connected and may yet ask to resume. */
  holding = false;
  holdTimer: NodeJS.Timeout | null = null;
  /** Bumped by every replay; a paced replay that finds a newer generation stops. */
  replayGeneration = 0;
  /** False once a ping went unanswered. */
  alive = true;
  private dropped = false;
  private corked = false;
  private readonly flushAt: number;
  private killTimer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: LiveSessionDeps) {
    this.ws = deps.ws;
    this.principal = deps.principal;
    this.setFilter(MATCH_ALL_FILTER);
    this.flushAt = Math.min(MAX_CORKED_BYTES, Math.max(1, Math.floor(deps.maxBufferedBytes / 4)));
  }

  get open(): boolean {
    return !this.dropped && this.ws.readyState === WebSocket.OPEN;
  }

  setFilter(filter: LiveFilter): void {
    this.filter = filter;
    const chosen = compileFilter(filter);
    const allowed = this.deps.allowed;
    // What the role may see is not the client's to widen: its own filter only narrows it.
    this.matches = allowed ? (event) => allowed(event) && chosen(event) : chosen;
  }

  /**
   * Sends one text frame unless the client's buffer would pass the limit, in which case the client is
   * closed with 1013 instead: memory per client stays bounded by the limit (or one oversized frame).
   */
  send(frame: Buffer | string): boolean {
    if (!this.admit(frame.length)) return false;
    this.ws.send(frame, TEXT);
    this.flushIfFull();
    return true;
  }

  /**
   * Like send, for a frame already encoded on the wire (see textFrame): the hub encodes each event once
   * and every client gets the same bytes, instead of ws framing it again per client. Only for
   * connections without extensions (the hub negotiates none); otherwise it falls back to ws.send.
   */
  sendEncoded(payload: Buffer, wire: Buffer): boolean {
    if (this.ws.extensions !== '') return this.send(payload);
    if (!this.admit(wire.length)) return false;
    this.deps.socket.write(wire);
    this.flushIfFull();
    return true;
  }

  /** Whether `bytes` more may be queued: a client whose buffer would pass the limit is dropped instead. Corks the socket for the tick. */
  private admit(bytes: number): boolean {
    if (!this.open) return false;
    const buffered = this.ws.bufferedAmount;
    if (buffered > 0 && buffered + bytes > this.deps.maxBufferedBytes) {
      this.drop('slow');
      return false;
    }
    if (!this.corked) {
      this.deps.socket.cork();
      this.corked = true;
      this.deps.onCork(this);
    }
    return true;
  }

  private flushIfFull(): void {
    if (this.ws.bufferedAmount >= this.flushAt) this.flush();
  }

  /** Hands the frames held since the last flush to the kernel, in one write. */
  flush(): void {
    if (!this.corked) return;
    this.corked = false;
    this.deps.socket.uncork();
  }

  sendJson(message: unknown): boolean {
    return this.send(JSON.stringify(message));
  }

  /** Calls back once the frames sent so far have reached the kernel (at once if they already have). */
  waitForDrain(callback: () => void): void {
    this.flush();
    if (this.deps.socket.writableNeedDrain) this.deps.socket.once('drain', callback);
    else setImmediate(callback);
  }

  /**
   * Slow and flooding clients get a close frame (which they may never read) and a deadline; heartbeat
   * failures are cut at once. Nothing the client sends afterwards is looked at (see `open`).
   */
  drop(reason: DropReason): void {
    if (this.dropped) return;
    this.dropped = true;
    this.flush();
    this.deps.onDrop(reason);
    if (reason === 'heartbeat') {
      this.ws.terminate();
      return;
    }
    const [code, why] = DROP_CLOSE[reason];
    this.ws.close(code, why);
    this.killTimer = setTimeout(() => this.ws.terminate(), this.deps.closeGraceMs);
    this.killTimer.unref();
  }

  /** Closes politely (e.g. 1001 on shutdown); the caller decides when to give up and terminate. */
  close(code: number, reason: string): void {
    this.dropped = true;
    this.flush();
    this.clearHold();
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(code, reason);
  }

  clearHold(): void {
    this.holding = false;
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = null;
  }

  /** Called once the socket is closed: no timer may outlive the connection. */
  dispose(): void {
    this.dropped = true;
    this.flush();
    this.clearHold();
    if (this.killTimer) clearTimeout(this.killTimer);
    this.killTimer = null;
  }

  shouldReceive(event: LoggedEvent): boolean {
    return !this.holding && event.seq > this.coveredUpTo && this.matches(event);
  }
}

/** An unmasked, final text frame (RFC 6455 §5.2), as a server sends it. */
export function textFrame(payload: Buffer): Buffer {
  const length = payload.length;
  const head = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const out = Buffer.allocUnsafe(head + length);
  out[0] = 0x81;
  if (length < 126) out[1] = length;
  else if (length < 65_536) {
    out[1] = 126;
    out.writeUInt16BE(length, 2);
  } else {
    out[1] = 127;
    out.writeBigUInt64BE(BigInt(length), 2);
  }
  payload.copy(out, head);
  return out;
}
