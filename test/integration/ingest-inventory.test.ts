// Servers come from the consoles' inventory: a pushed report naming a server no console lists is refused
// (422, nothing stored), one in a batch is listed in the answer while the others apply, and the attack
// that once exhausted the heap — large signed webhooks naming new servers by the dozen — leaves the
// daemon up with nothing stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookHeaders } from '../../src/ingest/webhook-signature.js';
import { startDaemonInProcess, type InProcessDaemon } from '../helpers/daemon-in-process.js';

const SECRET = 'whsec_ZGVtby1jb25zb2xlLXdlYmhvb2stc2VjcmV0';

describe('server inventory at ingest', () => {
  let d: InProcessDaemon;
  let n = 0;
  const push = (body: unknown) => {
    const text = JSON.stringify(body);
    return fetch(`${d.url}/api/v1/ingest/console`, {
      method: 'POST', body: text,
      headers: { 'content-type': 'application/json', ...webhookHeaders({ id: `msg-${++n}`, now: new Date(), body: text, secret: SECRET }) },
    });
  };
  const report = (serverId: string, components = 1) => ({
    serverId, observedAt: new Date().toISOString(), reachable: true,
    components: Array.from({ length: components }, (_, i) => ({ name: `c${i}`, kind: 'software', status: 'failed' })),
  });

  /** escalatord_ingest_reports_total{source="console",outcome="rejected"}: refused reports are counted one by one. */
  const rejected = async () => {
    const line = (await (await fetch(`${d.url}/metrics`)).text()).split('\n')
      .find((l) => l.startsWith('escalatord_ingest_reports_total{') && l.includes('source="console"') && l.includes('outcome="rejected"'));
    return line ? Number(line.split(' ').at(-1)) : 0;
  };

  beforeAll(async () => {
    d = await startDaemonInProcess({ config: { ingest: { console: { secret: SECRET } } } });
    await d.daemon.pollers!.get('sim')!.pollNow();
  });
  afterAll(() => d.stop());

  it('refuses a report for a server no console lists with 422 naming serverId, and stores nothing', async () => {
    const before = await d.daemon.store.read.servers.count();
    const counted = await rejected();
    const res = await push(report('no-such-server-zzz'));
    expect(res.status).toBe(422);
    expect(await rejected()).toBe(counted + 1);
    const problem = (await res.json()) as { errors: Array<{ field: string; message: string }> };
    expect(problem.errors[0].field).toBe('serverId');
    expect(problem.errors[0].message).toContain('no-such-server-zzz');
    expect(await d.daemon.store.read.servers.get('no-such-server-zzz')).toBeUndefined();
    expect(await d.daemon.store.read.servers.count()).toBe(before);
  });

  it('applies the known servers of a batch and lists the refused ones', async () => {
    const counted = await rejected();
    const res = await push({ reports: [report('srv-0001'), report('__proto__'), report('ghost-1')] });
    expect(res.status).toBe(202);
    expect(await rejected()).toBe(counted + 2);
    const body = (await res.json()) as { accepted: number; refused: Array<{ serverId: string }> };
    expect(body.accepted).toBe(1);
    expect(body.refused.map((r) => r.serverId).sort()).toEqual(['__proto__', 'ghost-1']);
    expect((await d.daemon.store.read.servers.get('srv-0001'))?.components.c0?.status).toBe('failed');
    expect(await d.daemon.store.read.servers.get('__proto__')).toBeUndefined();
  });

  it('stays up and stores nothing under the attack as it was seen: 80 signed webhooks of ~0.9 MB, each naming 24 new servers × 420 components', async () => {
    const before = await d.daemon.store.read.servers.count();
    const attack = (round: number) => ({
      reports: Array.from({ length: 24 }, (_, i) => ({
        ...report(`attack-${round}-${i}`),
        components: Array.from({ length: 420 }, (_, c) => ({ name: `component-with-a-longer-name-${c}`, kind: 'software', status: 'failed' })),
      })),
    });
    expect(JSON.stringify(attack(0)).length).toBeGreaterThan(800_000);
    // The heap died after 74 such requests when every named server was stored.
    for (let round = 0; round < 80; round++) {
      const res = await push(attack(round));
      expect(res.status).toBe(422);
    }
    expect(await d.daemon.store.read.servers.count()).toBe(before);
    expect((await fetch(`${d.url}/healthz`)).status).toBe(200);
  });
});
