import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook, webhookHeaders, webhookSecretKey, webhookSecretProblem } from '../../src/ingest/webhook-signature.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const OTHER_SECRET = 'a-plain-shared-secret-of-some-length';
const NOW = new Date('2026-11-25T10:00:00Z');
const NOW_S = Math.floor(NOW.getTime() / 1000);
const BODY = '{"serverId":"srv-0001","reachable":true,"components":[]}';

function verify(overrides: { id?: string; timestamp?: string; signature?: string; body?: string; secrets?: string[]; now?: Date; toleranceMs?: number } = {}) {
  const timestamp = overrides.timestamp ?? String(NOW_S);
  const id = overrides.id ?? 'msg_1';
  const signature = overrides.signature ?? signWebhook({ id, timestamp, body: BODY, secret: SECRET });
  return verifyWebhook({
    headers: { id, timestamp, signature },
    rawBody: Buffer.from(overrides.body ?? BODY),
    secrets: overrides.secrets ?? [SECRET],
    toleranceMs: overrides.toleranceMs,
    now: overrides.now ?? NOW,
  });
}

describe('signWebhook', () => {
  it('matches the published Standard Webhooks test vector', () => {
    const signature = signWebhook({ id: 'msg_p5jXN8AQM9LWM0D4loKWxJek', timestamp: 1614265330, body: '{"test": 2432232314}', secret: SECRET });
    expect(signature).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('uses the base64 bytes after whsec_ as the key and the UTF-8 bytes of any other secret', () => {
    expect(webhookSecretKey('whsec_AAEC')).toEqual(Buffer.from([0, 1, 2]));
    expect(webhookSecretKey('plain')).toEqual(Buffer.from('plain', 'utf8'));
  });

  it('builds the three headers with the timestamp in whole seconds', () => {
    const headers = webhookHeaders({ id: 'msg_9', now: new Date(NOW.getTime() + 999), body: BODY, secret: SECRET });
    expect(headers['webhook-timestamp']).toBe(String(NOW_S));
    expect(headers['webhook-signature']).toBe(signWebhook({ id: 'msg_9', timestamp: NOW_S, body: BODY, secret: SECRET }));
  });
});

describe('verifyWebhook', () => {
  it('accepts a delivery signed with the configured secret', () => {
    expect(verify()).toEqual({ ok: true });
  });

  it('rejects a delivery signed with a different secret', () => {
    expect(verify({ secrets: [OTHER_SECRET] })).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('accepts a header with several signatures when the second one matches a configured secret', () => {
    const id = 'msg_rot';
    const oldSig = signWebhook({ id, timestamp: NOW_S, body: BODY, secret: OTHER_SECRET });
    const newSig = signWebhook({ id, timestamp: NOW_S, body: BODY, secret: SECRET });
    expect(verify({ id, signature: `${oldSig} ${newSig}`, secrets: [SECRET] })).toEqual({ ok: true });
    expect(verify({ id, signature: oldSig, secrets: ['whsec_c29tZXRoaW5nLWVsc2U=', OTHER_SECRET] })).toEqual({ ok: true });
  });

  it('rejects a timestamp older than the tolerance as stale', () => {
    expect(verify({ timestamp: String(NOW_S - 301) })).toEqual({ ok: false, reason: 'stale' });
    expect(verify({ timestamp: String(NOW_S - 299) })).toEqual({ ok: true });
  });

  it('rejects a timestamp further ahead than the tolerance as future', () => {
    expect(verify({ timestamp: String(NOW_S + 301) })).toEqual({ ok: false, reason: 'future' });
    expect(verify({ timestamp: String(NOW_S + 299) })).toEqual({ ok: true });
  });

  it('honours a configured tolerance', () => {
    expect(verify({ timestamp: String(NOW_S - 20), toleranceMs: 10_000 })).toEqual({ ok: false, reason: 'stale' });
  });

  it('rejects the same JSON re-serialised with other whitespace', () => {
    const reserialised = JSON.stringify(JSON.parse(BODY), null, 2);
    expect(verify({ body: reserialised })).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('reports missing headers and a malformed timestamp', () => {
    expect(verify({ id: '' })).toEqual({ ok: false, reason: 'missing-headers' });
    expect(verifyWebhook({ headers: { id: 'x', timestamp: String(NOW_S) }, rawBody: Buffer.from(BODY), secrets: [SECRET], now: NOW })).toEqual({
      ok: false,
      reason: 'missing-headers',
    });
    expect(verify({ timestamp: '2026-11-25T10:00:00Z' })).toEqual({ ok: false, reason: 'bad-timestamp' });
    expect(verify({ timestamp: '-5' })).toEqual({ ok: false, reason: 'bad-timestamp' });
  });

  it('rejects a malformed signature header without throwing', () => {
    for (const signature of ['garbage', 'v1', 'v1,', 'v2,abcd', 'v1,!!!not-base64!!!', ',,,']) {
      expect(verify({ signature })).toEqual({ ok: false, reason: 'bad-signature' });
    }
  });

  it('treats a signature of the wrong length as a mismatch rather than throwing', () => {
    const short = `v1,${Buffer.from('too short').toString('base64')}`;
    const long = `v1,${Buffer.alloc(64, 7).toString('base64')}`;
    expect(() => verify({ signature: short })).not.toThrow();
    expect(verify({ signature: short })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verify({ signature: long })).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('never accepts a delivery signed with an empty or short key, even when that key is configured', () => {
    // "whsec_" followed by characters that are not base64 decodes to no key at all: anyone can sign with it.
    for (const weak of ['whsec_????????????????????', 'whsec_', 'whsec_c2hvcnQ=']) {
      const signature = signWebhook({ id: 'msg_weak', timestamp: NOW_S, body: BODY, secret: weak });
      expect(verify({ id: 'msg_weak', signature, secrets: [weak] }), weak).toEqual({ ok: false, reason: 'bad-signature' });
    }
  });
});

describe('webhookSecretProblem', () => {
  it('refuses a whsec_ secret that is not base64 or decodes to fewer than 16 bytes, and a plain one under 16 characters', () => {
    expect(webhookSecretProblem('whsec_????????????????????')).toMatch(/base64/);
    expect(webhookSecretProblem('whsec_c2hvcnQ=')).toMatch(/decodes to 5 bytes/);
    expect(webhookSecretProblem('short-plain')).toMatch(/at least 16/);
    expect(webhookSecretProblem(SECRET)).toBeNull();
    expect(webhookSecretProblem(OTHER_SECRET)).toBeNull();
  });
});
