// Ids come from outside: a console may name a server `__proto__` and a component `constructor`. Every
// name Object.prototype knows must travel through validation and the status diff like any other name.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffReport, onlyObservationChanged } from '../../src/domain/status-diff.js';
import type { ServerState, StatusReport } from '../../src/domain/types.js';
import { parseAlertmanagerPayload } from '../../src/ingest/alertmanager.js';
import { mapPayload } from '../../src/domain/alertmanager-mapping.js';
import { parseReportBody, parseStatusReport } from '../../src/domain/report-schema.js';

const PROTOTYPE_NAMES = [...new Set([...Object.getOwnPropertyNames(Object.prototype), '__proto__', 'prototype', 'constructor', 'toJSON', 'then'])];
const prototypeName = fc.constantFrom(...PROTOTYPE_NAMES);
/** Mostly prototype names, sometimes an ordinary one, so they also meet each other and the ordinary. */
const name = fc.oneof({ weight: 4, arbitrary: prototypeName }, { weight: 1, arbitrary: fc.stringMatching(/^[a-z][a-z0-9-]{0,11}$/) });
const status = fc.constantFrom('ok', 'degraded', 'failed', 'unknown') as fc.Arbitrary<'ok' | 'degraded' | 'failed' | 'unknown'>;
const components = fc.uniqueArray(fc.record({ name, status }), { selector: (c) => c.name, minLength: 1, maxLength: 6 });

/** As a sender's JSON text would arrive: JSON.parse makes `"__proto__"` an own key, not a prototype. */
const wire = (value: unknown): unknown => JSON.parse(JSON.stringify(value));
const at = (minute: number) => `2026-11-25T10:${String(minute).padStart(2, '0')}:00.000Z`;

function reportOf(serverId: string, list: Array<{ name: string; status: string }>, minute: number, customerId?: string): unknown {
  return wire({ serverId, observedAt: at(minute), reachable: true, customerId, components: list.map((c) => ({ name: c.name, kind: 'software', status: c.status })) });
}

/** The store keeps records as JSON; a record read back is a plain object again. */
const stored = (state: ServerState): ServerState => JSON.parse(JSON.stringify(state)) as ServerState;

describe('names of Object.prototype as ids', () => {
  it('survive validation as server, customer and component ids, alone and in a batch', () => {
    fc.assert(
      fc.property(name, name, components, (serverId, customerId, list) => {
        const [single] = parseReportBody(reportOf(serverId, list, 1, customerId));
        expect(single.serverId).toBe(serverId);
        expect(single.customerId).toBe(customerId);
        expect(single.components.map((c) => c.name)).toEqual(list.map((c) => c.name));
        const batch = parseReportBody(wire({ reports: [reportOf(serverId, list, 1), reportOf(`${serverId}-2`, list, 1)] }));
        expect(batch.map((r) => r.serverId)).toEqual([serverId, `${serverId}-2`]);
        expect(parseStatusReport(reportOf(serverId, list, 1)).components).toHaveLength(list.length);
      }),
    );
  });

  it('are components the diff keeps, changes, compares and removes like any other, also after a trip through the store', () => {
    fc.assert(
      fc.property(name, components, components, (serverId, first, second) => {
        const r1 = parseStatusReport(reportOf(serverId, first, 1));
        const a = diffReport(undefined, r1, 'full', {});
        expect(a.next.id).toBe(serverId);
        expect(Object.keys(a.next.components).sort()).toEqual(first.map((c) => c.name).sort());
        for (const c of first) expect(Object.hasOwn(a.next.components, c.name) && a.next.components[c.name].status).toBe(c.status);
        expect(a.changes.filter((ch) => ch.type === 'component').map((ch) => ch.type === 'component' && ch.component).sort())
          .toEqual(first.filter((c) => c.status !== 'ok').map((c) => c.name).sort());

        const prev = stored(a.next);
        expect(onlyObservationChanged(prev, diffReport(prev, parseStatusReport(reportOf(serverId, first, 2)), 'full', {}).next)).toBe(true);

        const r2 = parseStatusReport(reportOf(serverId, second, 3));
        const b = diffReport(prev, r2, 'full', {});
        expect(Object.keys(b.next.components).sort()).toEqual(second.map((c) => c.name).sort());
        const before = new Map(first.map((c) => [c.name, c.status]));
        const expected = second.filter((c) => (before.has(c.name) ? before.get(c.name) !== c.status : c.status !== 'ok')).map((c) => c.name).sort();
        expect(b.changes.filter((ch) => ch.type === 'component').map((ch) => ch.type === 'component' && ch.component).sort()).toEqual(expected);
        for (const ch of b.changes) if (ch.type === 'component') expect(ch.from).toBe(before.get(ch.component) ?? null);
        expect(onlyObservationChanged(prev, b.next)).toBe(second.length === first.length && expected.length === 0 && second.every((c) => before.has(c.name)));

        const delta = diffReport(stored(b.next), parseStatusReport(reportOf(serverId, [first[0]], 4)), 'delta', {});
        expect(Object.hasOwn(delta.next.components, first[0].name)).toBe(true);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
    );
  });

  it('travel through an Alertmanager payload as server and component label values', () => {
    fc.assert(
      fc.property(name, name, status, (server, component, s) => {
        const labels = { alertname: 'BackupFailed', server, component, severity: s === 'degraded' ? 'warning' : 'critical' };
        const payload = parseAlertmanagerPayload(wire({
          version: '4', groupKey: 'g', status: 'firing', receiver: 'escalatord', groupLabels: {}, commonLabels: labels, commonAnnotations: {}, externalURL: 'http://am',
          alerts: [{ status: 'firing', labels, annotations: { summary: 'x' }, startsAt: at(1), endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://p', fingerprint: 'f1' }],
        }));
        const { accepted } = mapPayload(payload, {
          serverLabel: 'server', instanceLabel: 'instance', componentLabel: 'component', kindLabel: 'component_kind', defaultKind: 'software',
          severityLabel: 'severity', degradedSeverities: ['warning'], customerLabel: 'customer',
        });
        expect(accepted).toHaveLength(1);
        const report: StatusReport = accepted[0].report;
        expect(report.serverId).toBe(server);
        expect(report.components[0].name).toBe(component);
      }),
    );
  });
});
