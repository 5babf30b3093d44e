// The messages a live client may send (DESIGN §9). Parsing never throws: anything else becomes an error
// text that the hub answers with `{"type":"error","error":…}`.
import { parseFilter, type LiveFilter, type ParseResult } from './subscription-filter.js';

export type ClientMessage =
  | { type: 'subscribe'; filter: LiveFilter }
  | { type: 'resume'; fromSeq: number };

export function parseClientMessage(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): ParseResult<ClientMessage> {
  if (isBinary) return { ok: false, error: 'binary messages are not supported; send JSON text' };
  let body: unknown;
  try {
    body = JSON.parse(toText(data));
  } catch {
    return { ok: false, error: 'message is not valid JSON' };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, error: 'message must be a JSON object with a "type"' };
  }
  const message = body as Record<string, unknown>;
  switch (message.type) {
    case 'subscribe': {
      const filter = parseFilter(message.filter);
      return filter.ok ? { ok: true, value: { type: 'subscribe', filter: filter.value } } : filter;
    }
    case 'resume': {
      const fromSeq = message.fromSeq;
      if (typeof fromSeq !== 'number' || !Number.isSafeInteger(fromSeq) || fromSeq < 0) {
        return { ok: false, error: 'resume needs "fromSeq", a non-negative integer' };
      }
      return { ok: true, value: { type: 'resume', fromSeq } };
    }
    default:
      return { ok: false, error: `unknown message type ${JSON.stringify(message.type ?? null).slice(0, 60)}; expected "subscribe" or "resume"` };
  }
}

function toText(data: Buffer | ArrayBuffer | Buffer[]): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

/** How many messages a client may send: `burst` at once, refilled at `perSecond`. */
export interface MessageRate {
  perSecond: number;
  burst: number;
}

export const DEFAULT_MESSAGE_RATE: MessageRate = { perSecond: 10, burst: 40 };

/**
 * A token bucket per connection. A dashboard sends a subscribe when its filters change and a resume
 * when it reconnects, a few a minute; a client that sends more than the burst is misbehaving, and
 * every message it sends costs the daemon parsing and perhaps a replay.
 */
export class MessageBudget {
  private tokens: number;
  private last: number;

  constructor(private readonly rate: MessageRate, private readonly now: () => number) {
    this.tokens = rate.burst;
    this.last = now();
  }

  /** Spends one message; false once the budget is exhausted. */
  take(): boolean {
    const at = this.now();
    this.tokens = Math.min(this.rate.burst, this.tokens + (Math.max(0, at - this.last) / 1000) * this.rate.perSecond);
    this.last = at;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
