import { describe, expect, it } from 'vitest';
import { alertDedupKey, instanceHost, mapAlert, mapPayload, type AlertmanagerAlert } from '../../src/domain/alertmanager-mapping.js';
import { configSchema } from '../../src/config/schema.js';

const rules = configSchema.parse({}).ingest.alertmanager.mapping;

function alert(labels: Record<string, string>, over: Partial<AlertmanagerAlert> = {}): AlertmanagerAlert {
  return {
    status: 'firing', labels, annotations: {}, startsAt: '2026-11-25T10:00:00.000Z', endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus/graph', fingerprint: 'f00d', ...over,
  };
}

describe('Alertmanager alert mapping', () => {
  it('maps a firing alert with server and component labels to a failed software component observed at startsAt', () => {
    const m = mapAlert(alert({ server: 'srv-1', component: 'backup', alertname: 'BackupFailed' }, { annotations: { summary: 'backup failed' } }), rules);
    expect(m).toEqual({
      ok: true,
      key: 'am:f00d:firing:2026-11-25T10:00:00.000Z',
      report: { serverId: 'srv-1', observedAt: '2026-11-25T10:00:00.000Z', reachable: true,
        components: [{ name: 'backup', kind: 'software', status: 'failed', message: 'backup failed', since: '2026-11-25T10:00:00.000Z' }] },
    });
  });

  it('maps warning and info severities to degraded and anything else to failed', () => {
    const status = (severity: string) => {
      const m = mapAlert(alert({ server: 's', component: 'c', severity }), rules);
      return m.ok ? m.report.components[0].status : m.reason;
    };
    expect(status('warning')).toBe('degraded');
    expect(status('INFO')).toBe('degraded');
    expect(status('critical')).toBe('failed');
    expect(status('page')).toBe('failed');
  });

  it('maps a resolved alert to ok observed at endsAt, with its own dedup key', () => {
    const a = alert({ server: 's', component: 'c' }, { status: 'resolved', endsAt: '2026-11-25T10:05:00Z' });
    const m = mapAlert(a, rules);
    expect(m.ok && m.report.components[0].status).toBe('ok');
    expect(m.ok && m.report.observedAt).toBe('2026-11-25T10:05:00.000Z');
    expect(m.ok && m.key).toBe(alertDedupKey(a));
    expect(alertDedupKey(a)).not.toBe(alertDedupKey({ ...a, status: 'firing' }));
  });

  it('takes the server from the host part of instance when there is no server label', () => {
    const m = mapAlert(alert({ instance: 'acme-hq-01:9100', component: 'disks', component_kind: 'hardware', customer: 'acme' }), rules);
    expect(m.ok && m.report).toMatchObject({ serverId: 'acme-hq-01', customerId: 'acme', components: [{ kind: 'hardware' }] });
    expect(instanceHost('[::1]:9100')).toBe('::1');
    expect(instanceHost('fe80::1')).toBe('fe80::1');
    expect(instanceHost('http://web-1:8080/metrics')).toBe('web-1');
    expect(instanceHost('web-1')).toBe('web-1');
  });

  it('skips alerts lacking a server or a component, or with an unknown kind, and says why', () => {
    expect(mapAlert(alert({ component: 'c' }), rules)).toEqual({ ok: false, fingerprint: 'f00d', reason: 'no-server' });
    expect(mapAlert(alert({ server: 's' }), rules)).toEqual({ ok: false, fingerprint: 'f00d', reason: 'no-component' });
    expect(mapAlert(alert({ server: 's', component: 'c', component_kind: 'firmware' }), rules)).toMatchObject({ ok: false, reason: 'bad-kind' });
    expect(mapAlert(alert({ server: 's', component: 'c' }, { startsAt: 'soon' }), rules)).toMatchObject({ ok: false, reason: 'bad-time' });
    const out = mapPayload({ alerts: [alert({ server: 's', component: 'c' }), alert({ job: 'x' }, { fingerprint: 'beef' })] }, rules);
    expect(out.accepted).toHaveLength(1);
    expect(out.skipped).toEqual([{ fingerprint: 'beef', reason: 'no-server' }]);
  });

  it('follows a configured mapping of other label names', () => {
    const custom = { ...rules, serverLabel: 'host', componentLabel: 'service', degradedSeverities: ['minor'] };
    const m = mapAlert(alert({ host: 'h1', service: 'email', severity: 'minor' }), custom);
    expect(m.ok && m.report).toMatchObject({ serverId: 'h1', components: [{ name: 'email', status: 'degraded' }] });
  });
});
