import { afterEach, describe, expect, it } from 'vitest';
import { TOKENS, metricValue, startHarness, type Harness } from './ingest-harness.js';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const AUTH = { authorization: `Bearer ${TOKENS.ingest}`, 'content-type': 'application/json' };

function alert(fingerprint: string, labels: Record<string, string>, status: 'firing' | 'resolved' = 'firing', startsAt = '2026-11-25T10:00:00Z', endsAt = '0001-01-01T00:00:00Z') {
  return { status, labels, annotations: { summary: `${labels.component ?? '?'} ${status}` }, startsAt, endsAt, generatorURL: 'http://prom/graph', fingerprint };
}

function payload(alerts: unknown[], extra: Record<string, unknown> = {}) {
  return {
    version: '4', groupKey: '{}:{alertname="X"}', truncatedAlerts: 0, status: 'firing', receiver: 'escalatord',
    groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://am:9093', alerts, ...extra,
  };
}

async function post(body: unknown, headers: Record<string, string> = AUTH): Promise<Response> {
  return fetch(`${h!.url}/api/v1/ingest/alertmanager`, { method: 'POST', headers, body: JSON.stringify(body) });
}

describe('POST /api/v1/ingest/alertmanager', () => {
  it('applies firing alerts as component states and answers 202 after the commit', async () => {
    h = await startHarness();
    const res = await post(payload([
      alert('a1', { server: 'srv-1', component: 'backup', customer: 'acme' }),
      alert('a2', { instance: 'srv-2:9100', component: 'disks', component_kind: 'hardware', severity: 'warning' }),
    ]));
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ accepted: 2, skipped: 0 });
    expect((await h.servers())['srv-1'].components.backup).toMatchObject({ status: 'failed', kind: 'software' });
    expect((await h.servers())['srv-1'].customerId).toBe('acme');
    expect((await h.servers())['srv-2'].components.disks).toMatchObject({ status: 'degraded', kind: 'hardware' });
  });

  it('skips and counts alerts without a server or component instead of refusing the delivery', async () => {
    h = await startHarness();
    const res = await post(payload([alert('ok', { server: 's', component: 'c' }), alert('x1', { alertname: 'Watchdog' }), alert('x2', { server: 's' })]));
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ accepted: 1, skipped: 2 });
    expect(await metricValue(h.registry, 'escalatord_ingest_reports_total', { source: 'alertmanager', outcome: 'rejected' })).toBe(2);
    expect(await metricValue(h.registry, 'escalatord_ingest_reports_total', { source: 'alertmanager', outcome: 'accepted' })).toBe(1);
  });

  it('changes nothing when every alert of a delivery was seen before, and applies a resolution once', async () => {
    h = await startHarness();
    const firing = payload([alert('a1', { server: 's', component: 'c' })]);
    expect((await post(firing)).status).toBe(202);
    const before = { servers: await h.servers(), lastSeq: await h.lastSeq(), dedup: await h.store.read.dedup.count() };
    const again = await post(firing);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ duplicate: true, accepted: 0 });
    expect((await h.servers())).toEqual(before.servers);
    expect((await h.lastSeq())).toBe(before.lastSeq);

    const resolved = payload([alert('a1', { server: 's', component: 'c' }, 'resolved', '2026-11-25T10:00:00Z', '2026-11-25T10:03:00Z')], { status: 'resolved' });
    expect((await post(resolved)).status).toBe(202);
    expect((await h.servers()).s.components.c.status).toBe('ok');
    // A late re-send of the old firing state does not undo the resolution.
    const late = await post(payload([alert('a1', { server: 's', component: 'c' }), alert('a9', { server: 's', component: 'other' })]));
    expect(late.status).toBe(202);
    expect((await h.servers()).s.components.c.status).toBe('ok');
  });

  it('answers 400 naming every field of a payload that is not version 4', async () => {
    h = await startHarness();
    const res = await post({ version: '3', status: 'burning', alerts: [{ status: 'firing', labels: 'x', fingerprint: '' }] });
    expect(res.status).toBe(400);
    const fields = ((await res.json()) as { errors: Array<{ field: string }> }).errors.map((e) => e.field);
    for (const f of ['version', 'status', 'groupKey', 'receiver', 'alerts.0.labels', 'alerts.0.fingerprint', 'alerts.0.startsAt']) expect(fields).toContain(f);
    expect((await h.servers())).toEqual({});
  });

  it('counts and logs truncated alerts', async () => {
    h = await startHarness();
    expect((await post(payload([alert('a1', { server: 's', component: 'c' })], { truncatedAlerts: 7 }))).status).toBe(202);
    expect(await metricValue(h.registry, 'escalatord_alertmanager_truncated_alerts_total', {})).toBe(7);
  });

  it('requires a bearer token of role ingest: 401 without, 403 for staff', async () => {
    h = await startHarness();
    const body = payload([alert('a1', { server: 's', component: 'c' })]);
    expect((await post(body, { 'content-type': 'application/json' })).status).toBe(401);
    expect((await post(body, { 'content-type': 'application/json', authorization: `Bearer ${TOKENS.l2}` })).status).toBe(403);
    expect((await h.servers())).toEqual({});
  });

  it('answers 503 while not ready and when the store cannot write, so Alertmanager retries', async () => {
    h = await startHarness();
    h.setReady(false);
    const body = payload([alert('a1', { server: 's', component: 'c' })]);
    const res = await post(body);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBeTruthy();
    h.setReady(true);
    (h.store as unknown as { failWrites: boolean }).failWrites = true;
    expect((await post(body)).status).toBe(503);
  });
});
