import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook, webhookHeaders, type VerifyWebhookInput } from '../../src/ingest/webhook-signature.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { gzipSync } from 'node:zlib';
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

// Every test runs as the daemon serves the route (the fast path in front of express) and through express
// alone: the fast path must not change an answer (http/console-fast-path.ts).
describe.each([
  { via: 'the fast path', fastPath: true },
  { via: 'express alone', fastPath: false },
])('POST /api/v1/ingest/console, through $via', ({ fastPath }) => {
  const start = (opts: Parameters<typeof startHarness>[0] = {}) => startHarness({ ...opts, fastPath });
  it('accepts a signed report with 202 and the component state shows it', async () => {
    h = await start();
    const res = await signedPost(report('srv-0001'));
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ accepted: 1 });
    const s = await server('srv-0001');
    expect(s.components).toEqual([expect.objectContaining({ name: 'backup', status: 'failed', kind: 'software' })]);
    expect(await metricValue(h.registry, 'escalatord_ingest_reports_total', { source: 'console', outcome: 'accepted' })).toBe(1);
  });

  it('accepts a batch of reports as deltas that leave unnamed components alone', async () => {
    h = await start();
    const first = { ...report('srv-0001', 'ok'), components: [{ name: 'email', kind: 'software', status: 'ok' }, { name: 'backup', kind: 'software', status: 'ok' }] };
    expect((await signedPost(first)).status).toBe(202);
    const res = await signedPost({ reports: [report('srv-0001', 'failed'), report('srv-0002', 'degraded')] });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ accepted: 2 });
    const names = ((await server('srv-0001')).components as Array<{ name: string; status: string }>).map((c) => `${c.name}:${c.status}`);
    expect(names).toEqual(['backup:failed', 'email:ok']);
  });

  it('answers a replayed webhook-id with 2xx and changes nothing, even when the replay carries another body', async () => {
    h = await start();
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
    h = await start();
    const res = await signedPost(report('srv-0001'), 'msg_stale', new Date(Date.now() - 301_000));
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(((await res.json()) as { detail: string }).detail).toContain('stale');
    expect((await h.servers())).toEqual({});
  });

  it('refuses a timestamp further in the future than the tolerance with 401', async () => {
    // 30 s past the tolerance: a busy machine's delay between signing and checking cannot bring it inside.
    h = await start();
    const res = await signedPost(report('srv-0001'), 'msg_future', new Date(Date.now() + 330_000));
    expect(res.status).toBe(401);
    expect(((await res.json()) as { detail: string }).detail).toContain('future');
  });

  it('accepts a delivery whose second signature matches a rotated secret', async () => {
    h = await start();
    const body = JSON.stringify(report('srv-0001'));
    const ts = Math.floor(Date.now() / 1000);
    const wrong = signWebhook({ id: 'msg_rot', timestamp: ts, body, secret: 'not-a-configured-secret-000' });
    const right = signWebhook({ id: 'msg_rot', timestamp: ts, body, secret: OLD_SECRET });
    const res = await post(body, { 'webhook-id': 'msg_rot', 'webhook-timestamp': String(ts), 'webhook-signature': `${wrong} ${right}` });
    expect(res.status).toBe(202);
  });

  it('refuses a body re-serialised with other whitespace than what was signed', async () => {
    h = await start();
    const payload = report('srv-0001');
    const signed = JSON.stringify(payload);
    const headers = webhookHeaders({ id: 'msg_ws', now: new Date(), body: signed, secret: SECRET });
    const res = await post(JSON.stringify(payload, null, 2), headers);
    expect(res.status).toBe(401);
    expect((await h.servers())).toEqual({});
  });

  it('answers 401 without credentials, 401 for an unknown token and 403 for a role that may not ingest', async () => {
    h = await start();
    const body = JSON.stringify(report('srv-0001'));
    expect((await post(body, {})).status).toBe(401);
    expect((await post(body, { authorization: 'Bearer not-a-token-at-all-000' })).status).toBe(401);
    expect((await post(body, { authorization: `Bearer ${TOKENS.viewer}` })).status).toBe(403);
    expect(await metricValue(h.registry, 'escalatord_ingest_reports_total', { source: 'console', outcome: 'unauthorized' })).toBe(3);
    expect((await h.servers())).toEqual({});
  });

  it('accepts a bearer token of role ingest or admin instead of a signature', async () => {
    h = await start();
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
    h = await start({ verify });
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
    h = await start();
    const big = JSON.stringify({ reports: Array.from({ length: 400 }, (_, i) => report(`srv-${i}`)) });
    expect(big.length).toBeGreaterThan(64 * 1024);
    const res = await post(big, webhookHeaders({ id: 'msg_big2', now: new Date(), body: big, secret: SECRET }));
    expect(res.status).toBe(413);
    expect((await h.servers())).toEqual({});
  });

  it('answers 400 naming every bad field of every report', async () => {
    h = await start();
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
    h = await start();
    const body = '{"serverId": nope';
    const res = await post(body, webhookHeaders({ id: 'msg_json', now: new Date(), body, secret: SECRET }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: Array<{ field: string }> }).errors[0].field).toBe('body');
  });

  it('answers 503 with Retry-After while the daemon is not ready', async () => {
    h = await start();
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
    h = await start({ store });
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
    h = await start({ store });
    store.failWrites = true;
    const res = await signedPost(report('srv-0001'));
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBeTruthy();
    expect((await h.servers())).toEqual({});
  });
});

describe('the console fast path', () => {
  /** What a sender sees of an answer: status, the headers that mean something, the body. */
  async function seen(res: Response): Promise<Record<string, unknown>> {
    const pick = ['content-type', 'content-length', 'www-authenticate', 'retry-after', 'x-content-type-options', 'connection'];
    return { status: res.status, headers: Object.fromEntries(pick.map((k) => [k, res.headers.get(k)])), body: await res.text() };
  }

  /** The same deliveries, in order, against a fresh harness; what each answered, the counters and the servers after. */
  // One instant for both runs, so what they store can be compared whole.
  const at = new Date();

  async function run(fastPath: boolean): Promise<{ answers: unknown[]; counts: unknown; servers: unknown; viaExpress: number }> {
    h = await startHarness({ fastPath, now: () => at });
    const signed = (body: string, id: string, extra: Record<string, string> = {}) => post(body, { ...webhookHeaders({ id, now: at, body, secret: SECRET }), ...extra });
    const good = JSON.stringify(report('srv-0001', 'failed', at.toISOString()));
    const answers: unknown[] = [];
    const deliveries: Array<() => Promise<Response>> = [
      () => signed(good, 'msg_a'),
      () => signed(good, 'msg_a'), // a repeat
      () => signed(JSON.stringify({ reports: [report('srv-0002', 'ok', at.toISOString()), report('srv-0003', 'degraded', at.toISOString())] }), 'msg_b'),
      () => post(good, { ...webhookHeaders({ id: 'msg_c', now: at, body: good, secret: SECRET }), 'webhook-signature': 'v1,AAAA' }),
      () => post(good, webhookHeaders({ id: 'msg_d', now: new Date(at.getTime() - 3_600_000), body: good, secret: SECRET })),
      () => signed('{"serverId":', 'msg_e'),
      () => signed(JSON.stringify({ ...report('srv-0004', 'failed', at.toISOString()), reachable: 'yes' }), 'msg_f'),
      () => signed(JSON.stringify({ ...report('srv-0004', 'failed', at.toISOString()), components: [{ name: 'raid', kind: 'hardware', status: 'ok' }, { name: 'raid', kind: 'hardware', status: 'failed' }] }), 'msg_g'),
      // What only the schema takes (an instant with an offset), then credentials of each kind.
      () => signed(JSON.stringify(report('srv-0005', 'failed', '2026-11-25T11:00:00+01:00')), 'msg_h'),
      () => post(JSON.stringify(report('srv-0006', 'failed', at.toISOString())), { authorization: `Bearer ${TOKENS.ingest}` }),
      () => post(JSON.stringify(report('srv-0006', 'failed', at.toISOString())), { authorization: `Bearer ${TOKENS.viewer}` }),
      () => post(JSON.stringify(report('srv-0006', 'failed', at.toISOString())), { authorization: 'Bearer not-a-token-of-anyone' }),
      () => post(JSON.stringify(report('srv-0006', 'failed', at.toISOString())), {}),
      // Bodies body-parser reads: compressed, and one over the limit.
      () => post(gzipSync(Buffer.from(good)) as unknown as string, { ...webhookHeaders({ id: 'msg_i', now: at, body: gzipSync(Buffer.from(good)), secret: SECRET }), 'content-encoding': 'gzip' }),
      () => signed(JSON.stringify({ reports: Array.from({ length: 400 }, (_, i) => report(`srv-${i}`)) }), 'msg_j'),
    ];
    for (const send of deliveries) answers.push(await seen(await send()));
    h.setReady(false);
    answers.push(await seen(await signed(good, 'msg_k')));
    const counts = (await h.registry.getMetricsAsJSON()).find((m) => m.name === 'escalatord_ingest_reports_total')?.values;
    const servers = await h.servers();
    const viaExpress = h.expressRequests();
    await h.close();
    h = null;
    return { answers, counts, servers: JSON.parse(JSON.stringify(servers)), viaExpress };
  }

  it('answers every delivery as the express route does, with the same counters and the same stored state', async () => {
    const fast = await run(true);
    const express = await run(false);
    for (const [i, answer] of express.answers.entries()) expect(fast.answers[i], `delivery ${i}`).toEqual(answer);
    expect(fast.counts).toEqual(express.counts);
    expect(fast.servers).toEqual(express.servers);
    // The answers were not all the same kind: the comparison covers successes, repeats and refusals.
    expect(new Set(express.answers.map((a) => (a as { status: number }).status))).toEqual(new Set([200, 202, 400, 401, 403, 413, 503]));
    // And the fast path did take the plain deliveries: express saw only the ones a gate refuses or body-parser reads.
    expect(express.viaExpress).toBe(16);
    expect(fast.viaExpress).toBe(6);
  });
});

describe('the console fast path, when a sender goes away', () => {
  it('applies nothing of a body cut short, and goes on answering others', async () => {
    h = await startHarness();
    const body = JSON.stringify(report('srv-0001'));
    const headers = webhookHeaders({ id: 'msg_cut', now: new Date(), body, secret: SECRET });
    await new Promise<void>((resolve) => {
      const req = httpRequest(h!.url + URL_PATH, { method: 'POST', headers: { ...headers, 'content-type': 'application/json', 'content-length': String(body.length) } });
      req.on('error', () => resolve());
      req.write(body.slice(0, 20), () => setTimeout(() => {
        req.destroy();
        resolve();
      }, 50));
    });
    expect(await h.servers()).toEqual({});
    expect(h.expressRequests()).toBe(0);
    // The same delivery in full is new (its key was never claimed) and is applied.
    const res = await post(body, headers);
    expect(res.status).toBe(202);
    expect(Object.keys(await h.servers())).toEqual(['srv-0001']);
  });
});
