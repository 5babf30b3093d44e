// Malformed bodies of every shape against both ingest endpoints: the daemon must answer 4xx, never 5xx,
// never crash, and store nothing.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookHeaders } from '../../src/ingest/webhook-signature.js';
import { SECRET, TOKENS, startHarness, type Harness } from './ingest-harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const leaf = fc.oneof(fc.string({ maxLength: 30 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant('2026-11-25T10:00:00Z'),
  fc.constantFrom('ok', 'failed', 'software', 'hardware', 'firing', 'resolved', '4'));
// Near-miss objects: the right keys with wrong values are the interesting cases, not just random junk.
const keys = fc.constantFrom('serverId', 'observedAt', 'reachable', 'components', 'reports', 'name', 'kind', 'status', 'version', 'alerts',
  'labels', 'annotations', 'startsAt', 'endsAt', 'fingerprint', 'groupKey', '__proto__', 'constructor', 'truncatedAlerts');
const { value } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(keys, tie('value'), { maxKeys: 6 })),
}));
const body = fc.oneof(
  value.map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
);

function isClientError(status: number): boolean {
  return status >= 400 && status < 500;
}

describe('ingest endpoints under malformed bodies', () => {
  it('answer every malformed signed console body with 4xx and store nothing', async () => {
    let n = 0;
    await fc.assert(fc.asyncProperty(body, async (text) => {
      const headers = webhookHeaders({ id: `fuzz-${n++}`, now: new Date(), body: text, secret: SECRET });
      const servers = JSON.stringify((await h.servers()));
      const res = await fetch(`${h.url}/api/v1/ingest/console`, { method: 'POST', body: text, headers: { 'content-type': 'application/json', ...headers } });
      await res.arrayBuffer();
      // A random body may by chance be a valid empty-ish report; anything else must be a client error.
      if (res.status === 202) return;
      expect(isClientError(res.status)).toBe(true);
      expect(JSON.stringify((await h.servers()))).toBe(servers);
    }), { numRuns: 300 });
  });

  it('answer every malformed Alertmanager body with 4xx and store nothing', async () => {
    const before = { servers: await h.servers(), lastSeq: await h.lastSeq(), dedup: await h.store.read.dedup.count() };
    await fc.assert(fc.asyncProperty(body, async (text) => {
      const res = await fetch(`${h.url}/api/v1/ingest/alertmanager`, { method: 'POST', body: text, headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKENS.ingest}` } });
      await res.arrayBuffer();
      expect(isClientError(res.status)).toBe(true);
    }), { numRuns: 300 });
    expect((await h.servers())).toEqual(before.servers);
    expect((await h.store.read.dedup.count())).toEqual(before.dedup);
  });

  it('store nothing from console bodies that are not valid reports', async () => {
    const before = { servers: await h.servers(), lastSeq: await h.lastSeq(), dedup: await h.store.read.dedup.count() };
    let n = 0;
    // Objects without a string serverId can never be a valid report, so none of these may change state.
    const invalid = value.filter((v) => typeof v !== 'object' || v === null || Array.isArray(v) || typeof (v as Record<string, unknown>).serverId !== 'string');
    await fc.assert(fc.asyncProperty(invalid.map((v) => JSON.stringify(v)), async (text) => {
      const headers = webhookHeaders({ id: `fuzz-invalid-${n++}`, now: new Date(), body: text, secret: SECRET });
      const res = await fetch(`${h.url}/api/v1/ingest/console`, { method: 'POST', body: text, headers: { 'content-type': 'application/json', ...headers } });
      await res.arrayBuffer();
      expect(res.status).toBe(400);
    }), { numRuns: 300 });
    expect((await h.servers())).toEqual(before.servers);
    expect((await h.lastSeq())).toBe(before.lastSeq);
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
  });
});
