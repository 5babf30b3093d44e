// Standard Webhooks signatures (https://www.standardwebhooks.com/), DESIGN §4.
// The signed content is `${id}.${timestamp}.${body}` over the exact bytes received: a body parsed and
// re-serialised would not verify, so callers must pass the raw body.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Default tolerance between the sender's timestamp and our clock, in either direction. */
export const DEFAULT_WEBHOOK_TOLERANCE_MS = 300_000;

const SECRET_PREFIX = 'whsec_';
const VERSION = 'v1';
// Standard Webhooks timestamps are integer seconds since the epoch; anything else is malformed.
const TIMESTAMP_PATTERN = /^\d{1,15}$/;
/** An HMAC key shorter than this can be guessed; `whsec_` with junk after it decodes to no key at all. */
export const MIN_WEBHOOK_KEY_BYTES = 16;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export interface SignWebhookInput {
  /** The `webhook-id` header: unique per message, the receiver's idempotency key. */
  id: string;
  /** The `webhook-timestamp` header: seconds since the epoch. */
  timestamp: number | string;
  /** The exact bytes that will be sent as the request body. */
  body: string | Buffer;
  /** `whsec_<base64 key>` or any other string, whose UTF-8 bytes are then the key. */
  secret: string;
}

export type WebhookRejection = 'missing-headers' | 'bad-timestamp' | 'stale' | 'future' | 'bad-signature';
export type WebhookVerification = { ok: true } | { ok: false; reason: WebhookRejection };

export interface VerifyWebhookInput {
  headers: { id?: string | null; timestamp?: string | null; signature?: string | null };
  rawBody: Buffer;
  /** Every secret currently accepted; more than one during a key rotation. */
  secrets: readonly string[];
  toleranceMs?: number;
  now: Date;
}

/** The key bytes for a secret: the base64 after `whsec_`, else the string's UTF-8 bytes. */
export function webhookSecretKey(secret: string): Buffer {
  return secret.startsWith(SECRET_PREFIX) ? Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64') : Buffer.from(secret, 'utf8');
}

/** Why a secret must not be used (not base64 after `whsec_`, or too short a key), or null when it is fine. */
export function webhookSecretProblem(secret: string): string | null {
  if (secret.startsWith(SECRET_PREFIX)) {
    const encoded = secret.slice(SECRET_PREFIX.length);
    if (!BASE64.test(encoded)) return `a ${SECRET_PREFIX} secret must be followed by base64`;
    const bytes = webhookSecretKey(secret).length;
    if (bytes < MIN_WEBHOOK_KEY_BYTES) return `a ${SECRET_PREFIX} secret must decode to at least ${MIN_WEBHOOK_KEY_BYTES} bytes; this one decodes to ${bytes} bytes`;
    return null;
  }
  const bytes = Buffer.byteLength(secret, 'utf8');
  return bytes < MIN_WEBHOOK_KEY_BYTES ? `a secret must be at least ${MIN_WEBHOOK_KEY_BYTES} characters long` : null;
}

function hmac(key: Buffer, id: string, timestamp: string, body: string | Buffer): Buffer {
  const mac = createHmac('sha256', key);
  mac.update(`${id}.${timestamp}.`, 'utf8');
  mac.update(body);
  return mac.digest();
}

/** Returns one signature entry, `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`. */
export function signWebhook(input: SignWebhookInput): string {
  const digest = hmac(webhookSecretKey(input.secret), input.id, String(input.timestamp), input.body);
  return `${VERSION},${digest.toString('base64')}`;
}

/** The three headers a sender attaches, for a body that is sent byte for byte as given. */
export function webhookHeaders(input: { id: string; now: Date; body: string | Buffer; secret: string }): Record<string, string> {
  const timestamp = Math.floor(input.now.getTime() / 1000);
  return {
    'webhook-id': input.id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signWebhook({ id: input.id, timestamp, body: input.body, secret: input.secret }),
  };
}

/**
 * Checks a delivery. Order matters: the timestamp is checked before any HMAC so that replayed old
 * messages are refused cheaply, and every comparison of signatures is constant-time.
 */
export function verifyWebhook(input: VerifyWebhookInput): WebhookVerification {
  const { id, timestamp, signature } = input.headers;
  if (!id || !timestamp || !signature) return { ok: false, reason: 'missing-headers' };
  if (!TIMESTAMP_PATTERN.test(timestamp)) return { ok: false, reason: 'bad-timestamp' };

  const tolerance = input.toleranceMs ?? DEFAULT_WEBHOOK_TOLERANCE_MS;
  const skew = input.now.getTime() - Number(timestamp) * 1000;
  if (skew > tolerance) return { ok: false, reason: 'stale' };
  if (skew < -tolerance) return { ok: false, reason: 'future' };

  const offered = parseSignatures(signature);
  if (offered.length === 0) return { ok: false, reason: 'bad-signature' };
  for (const secret of input.secrets) {
    // A weak key is refused by the config loader too; here it simply never verifies anything.
    if (webhookSecretProblem(secret) !== null) continue;
    const expected = hmac(webhookSecretKey(secret), id, timestamp, input.rawBody);
    // Returning at the first match leaks only which secret matched, which an attacker already knows.
    if (offered.some((candidate) => constantTimeEqual(candidate, expected))) return { ok: true };
  }
  return { ok: false, reason: 'bad-signature' };
}

/** Decodes the `v1,<base64>` entries of a signature header; other versions and junk are ignored. */
function parseSignatures(header: string): Buffer[] {
  const out: Buffer[] = [];
  for (const entry of header.trim().split(/\s+/)) {
    const comma = entry.indexOf(',');
    if (comma < 0 || entry.slice(0, comma) !== VERSION) continue;
    const encoded = entry.slice(comma + 1);
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) continue;
    out.push(Buffer.from(encoded, 'base64'));
  }
  return out;
}

/** timingSafeEqual throws on unequal lengths; a wrong-length signature is simply not a match. */
function constantTimeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
