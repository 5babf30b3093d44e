import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook, webhookHeaders, type VerifyWebhookInput } from '../../src/ingest/webhook-signature.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { OLD_SECRET, SECRET, TOKENS, metricValue, startHarness, type Harness } from './ingest-harness.js';

const URL_PATH = '/api/v1/ingest/console';
let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

function report(serverId: string, status = 'failed', observedAt = new Date().toISOString()) {
  return { serverId, observedAt, reachable: true, components: [{ name: 'backup', kind: 'software', status, message: 'backup job exited with code 3' }] };
}

async function post(body: string, headers: Record<string, string>): Promise<Response> {
  return fetch(h!.url + URL_PATH, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
}

async function signedPost(payload: unknown, id = `msg_${Math.random().toString(36).slice(2)}`, now = new Date()): Promise<Response> {
  const body = JSON.stringify(payload);
  return post(body, webhookHeaders({ id, now, body, secret: SECRET }));
}

async function server(id: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${h!.url}/api/v1/servers/${id}`, { headers: { authorization: `Bearer ${TOKENS.viewer}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

describe('POST /api/v1/ingest/console', () => {
  it('accepts a signed report with 202 and the component state shows it', async () => {
    h = await startHarness();
    const res = await signedPost(report('srv-0001'));
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ accepted: 1 });
    const s = await server('srv-0001');
    expect(s.components).toEqual([expect.objectContaining({ name: 'backup', status: 'failed', kind: 'software' })]);
    expect(await metricValue(h.registry, 'escalatord_ingest_reports_total', { source: 'console', outcome: 'accepted' })).toBe(1);
  });

  it('accepts a batch of reports as deltas that leave unnamed components alone', async () => {
    h = await startHarness();
    const first = { ...report('srv-0001', 'ok'), components: [{ name: 'email', kind: 'software', status: 'ok' }, { name: 'backup', kind: 'software', status: 'ok' }] };
    expect((await signedPost(first)).status).toBe(202);
    const res = await signedPost({ reports: [report('srv-0001', 'failed'), report('srv-0002', 'degraded')] });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ accepted: 2 });
    const names = ((await server('srv-0001')).components as Array<{ name: string; status: string }>).map((c) => `${c.name}:${c.status}`);
    expect(names).toEqual(['backup:failed', 'email:ok']);
  });

  it('answers a replayed webhook-id with 2xx and changes nothing, even when the replay carries another body', async () => {
    h = await startHarness();
    const id = 'msg_replayed';
    expect((await signedPost(report('srv-0001', 'failed'), id)).status).toBe(202);
    const before = { servers: await h.servers(), lastSeq: await h.lastSeq(), dedup: await h.store.read.dedup.count() };
    const same = await signedPost(report('srv-0001', 'failed'), id);
    expect(same.status).toBeGreaterThanOrEqual(200);
    expect(same.status).toBeLessThan(300);
    expect(await same.json()).toMatchObject({ duplicate: true });
    const other = await signedPost(report('srv-0001', 'ok', new Date(Date.now() + 1000).toISOString()), id);
    expect(other.status).toBe(200);
    expect((await h.servers())).toEqual(before.servers);
    expect((await h.lastSeq())).toBe(before.lastSeq);
    expect(await metricValue(h.registry, 'escalatord_ingest_reports_total', { source: 'console', outcome: 'duplicate' })).toBe(2);
  });

  it('refuses a timestamp older than the tolerance with 401', async () => {
    h = await startHarness();
    const res = await signedPost(report('srv-0001'), 'msg_stale', new Date(Date.now() - 301_000));
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(((await res.json()) as { detail: string }).detail).toContain('stale');
    expect((await h.servers())).toEqual({});
  });

  it('refuses a timestamp further in the future than the tolerance with 401', async () => {
    // 30 s past the tolerance: a busy machine's delay between signing and checking cannot bring it inside.
    h = await startHarness();
    const res = await signedPost(report('srv-0001'), 'msg_future', new Date(Date.now() + 330_000));
    expect(res.status).toBe(401);
    expect(((await res.json()) as { detail: string }).detail).toContain('future');
  });

  it('accepts a delivery whose second signature matches a rotated secret', async () => {
    h = await startHarness();
    const body = JSON.stringify(report('srv-0001'));
    const ts = Math.floor(Date.now() / 1000);
    const wrong = signWebhook({ id: 'msg_rot', timestamp: ts, body, secret: 'not-a-configured-secret-000' });
    const right = signWebhook({ id: 'msg_rot', timestamp: ts, body, secret: OLD_SECRET });
    const res = await post(body, { 'webhook-id': 'msg_rot', 'webhook-timestamp': String(ts), 'webhook-signature': `${wrong} ${right}` });
    expect(res.status).toBe(202);
  });

  it('refuses a body re-serialised with other whitespace than what was signed', async () => {
    h = await startHarness();
    const payload = report('srv-0001');
    const signed = JSON.stringify(payload);
    const headers = webhookHeaders({ id: 'msg_ws', now: new Date(), body: signed, secret: SECRET });
    const res = await post(JSON.stringify(payload, null, 2), headers);
    expect(res.status).toBe(401);
    expect((await h.servers())).toEqual({});
  });

  it('answers 401 without credentials, 401 for an unknown token and 403 for a role that may not ingest', async () => {
    h = await startHarness();
    const body = JSON.stringify(report('srv-0001'));
    expect((await post(body, {})).status).toBe(401);
    expect((await post(body, { authorization: 'Bearer not-a-token-at-all-000' })).status).toBe(401);
    expect((await post(body, { authorization: `Bearer ${TOKENS.viewer}` })).status).toBe(403);
    expect(await metricValue(h.registry, 'escalatord_ingest_reports_total', { source: 'console', outcome: 'unauthorized' })).toBe(3);
    expect((await h.servers())).toEqual({});
  });

  it('accepts a bearer token of role ingest or admin instead of a signature', async () => {
    h = await startHarness();
    expect((await post(JSON.stringify(report('srv-0001')), { authorization: `Bearer ${TOKENS.ingest}` })).status).toBe(202);
    expect((await post(JSON.stringify(report('srv-0002')), { authorization: `Bearer ${TOKENS.admin}` })).status).toBe(202);
    expect(Object.keys((await h.servers())).sort()).toEqual(['srv-0001', 'srv-0002']);
  });

  it('answers 413 for an oversized Content-Length before reading, parsing or verifying the body', async () => {
    let verifications = 0;
    const verify = (input: VerifyWebhookInput) => {
      verifications += 1;
      return verifyWebhook(input);
    };
    h = await startHarness({ verify });
    const headers = webhookHeaders({ id: 'msg_big', now: new Date(), body: '{}', secret: SECRET });
    // Claims a gigabyte but sends a few bytes: only a check of the header can answer this quickly.
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(h!.url + URL_PATH, { method: 'POST', headers: { ...headers, 'content-type': 'application/json', 'content-length': String(1024 ** 3) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      req.write('{"serverId":');
    });
    expect(status).toBe(413);
    expect(verifications).toBe(0);
    expect((await h.servers())).toEqual({});
  });

  it('answers 413 for a streamed body that passes the limit', async () => {
    h = await startHarness();
    const big = JSON.stringify({ reports: Array.from({ length: 400 }, (_, i) => report(`srv-${i}`)) });
    expect(big.length).toBeGreaterThan(64 * 1024);
    const res = await post(big, webhookHeaders({ id: 'msg_big2', now: new Date(), body: big, secret: SECRET }));
    expect(res.status).toBe(413);
    expect((await h.servers())).toEqual({});
  });

  it('answers 400 naming every bad field of every report', async () => {
    h = await startHarness();
    const bad = {
      reports: [
        report('srv-0001'),
        { serverId: '', observedAt: 'yesterday', reachable: 'yes', components: [{ name: 'backup', kind: 'firmware', status: 'broken' }, { kind: 'software', status: 'ok' }] },
        { serverId: 'x'.repeat(201), observedAt: new Date().toISOString(), reachable: true, components: Array.from({ length: 501 }, () => ({ name: 'a', kind: 'software', status: 'ok' })) },
      ],
    };
    const res = await signedPost(bad);
    expect(res.status).toBe(400);
    const problem = (await res.json()) as { errors: Array<{ field: string }> };
    expect(problem.errors.map((e) => e.field).sort()).toEqual([
      'reports.1.components.0.kind', 'reports.1.components.0.status', 'reports.1.components.1.name',
      'reports.1.observedAt', 'reports.1.reachable', 'reports.1.serverId', 'reports.2.components', 'reports.2.serverId',
    ]);
    expect((await h.servers())).toEqual({});
    expect(await metricValue(h.registry, 'escalatord_ingest_reports_total', { source: 'console', outcome: 'rejected' })).toBe(1);
  });

  it('answers 400 for a signed body that is not JSON', async () => {
    h = await startHarness();
    const body = '{"serverId": nope';
    const res = await post(body, webhookHeaders({ id: 'msg_json', now: new Date(), body, secret: SECRET }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: Array<{ field: string }> }).errors[0].field).toBe('body');
  });

  it('answers 503 with Retry-After while the daemon is not ready', async () => {
    h = await startHarness();
    h.setReady(false);
    const res = await signedPost(report('srv-0001'));
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBeTruthy();
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });

  it('answers 503 with Retry-After when the store cannot write, and the retry is then accepted once', async () => {
    // Healthy until the write itself fails, so this exercises the failed commit rather than the readiness gate.
    class FlakyStore extends MemoryStore {
      override get healthy(): boolean {
        return true;
      }
    }
    const store = new FlakyStore();
    h = await startHarness({ store });
    store.failWrites = true;
    const res = await signedPost(report('srv-0001'), 'msg_flaky');
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBeTruthy();
    store.failWrites = false;
    const retry = await signedPost(report('srv-0001'), 'msg_flaky');
    expect(retry.status).toBeLessThan(300);
  });

  it('answers 503 while the store reports it cannot write', async () => {
    const store = new MemoryStore();
    h = await startHarness({ store });
    store.failWrites = true;
    const res = await signedPost(report('srv-0001'));
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBeTruthy();
    expect((await h.servers())).toEqual({});
  });
});
