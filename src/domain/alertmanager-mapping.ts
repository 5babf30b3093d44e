// Pure mapping of Alertmanager webhook alerts (payload version 4) to StatusReport deltas, DESIGN §4.
// Each alert names at most one component of one server; alerts that name neither are skipped with a
// reason rather than failing the whole delivery, because Alertmanager groups unrelated alerts together.
import type { ComponentKind, ComponentStatus, StatusReport } from './types.js';

export interface AlertmanagerAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

export interface AlertmanagerPayload {
  version: '4';
  groupKey: string;
  truncatedAlerts: number;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: AlertmanagerAlert[];
}

/** Which labels mean what; the defaults are config `ingest.alertmanager.mapping`. */
export interface AlertMappingRules {
  serverLabel: string;
  instanceLabel: string;
  componentLabel: string;
  kindLabel: string;
  defaultKind: ComponentKind;
  severityLabel: string;
  degradedSeverities: readonly string[];
  customerLabel: string;
}

export type AlertSkipReason = 'no-server' | 'no-component' | 'bad-kind' | 'too-long' | 'bad-time';

export type MappedAlert =
  | { ok: true; key: string; report: StatusReport }
  | { ok: false; fingerprint: string; reason: AlertSkipReason };

const MAX_ID = 200;
const MAX_MESSAGE = 4000;

/** The idempotency key of one alert state: a re-sent notification carries the same three values. */
export function alertDedupKey(alert: Pick<AlertmanagerAlert, 'fingerprint' | 'status' | 'startsAt'>): string {
  return `am:${alert.fingerprint}:${alert.status}:${alert.startsAt}`;
}

/** The host part of a Prometheus `instance` label: `web-1:9100` → `web-1`, `[::1]:9100` → `::1`. */
export function instanceHost(instance: string): string {
  const trimmed = instance.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/.*$/, '');
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(trimmed);
  if (bracketed) return bracketed[1];
  // More than one colon without brackets is a bare IPv6 address: no port to strip.
  if ((trimmed.match(/:/g) ?? []).length > 1) return trimmed;
  return trimmed.replace(/:\d*$/, '');
}

function label(labels: Record<string, string>, name: string): string | undefined {
  const value = labels[name];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function statusOf(alert: AlertmanagerAlert, rules: AlertMappingRules): ComponentStatus {
  if (alert.status === 'resolved') return 'ok';
  const severity = label(alert.labels, rules.severityLabel)?.toLowerCase();
  const degraded = severity !== undefined && rules.degradedSeverities.some((s) => s.toLowerCase() === severity);
  return degraded ? 'degraded' : 'failed';
}

function iso(text: string): string | null {
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/**
 * One alert → one single-component delta report. The report is observed at `startsAt` while firing and
 * at `endsAt` once resolved, so a late re-delivery of an older state cannot undo a newer one.
 * `reachable` is left true here; the caller keeps what it already knows, as an alert says nothing of it.
 */
export function mapAlert(alert: AlertmanagerAlert, rules: AlertMappingRules): MappedAlert {
  const skip = (reason: AlertSkipReason): MappedAlert => ({ ok: false, fingerprint: alert.fingerprint, reason });
  const instance = label(alert.labels, rules.instanceLabel);
  const serverId = label(alert.labels, rules.serverLabel) ?? (instance ? instanceHost(instance) || undefined : undefined);
  if (!serverId) return skip('no-server');
  const component = label(alert.labels, rules.componentLabel);
  if (!component) return skip('no-component');
  if (serverId.length > MAX_ID || component.length > MAX_ID) return skip('too-long');
  const kindText = label(alert.labels, rules.kindLabel)?.toLowerCase() ?? rules.defaultKind;
  if (kindText !== 'software' && kindText !== 'hardware') return skip('bad-kind');
  const observedAt = iso(alert.status === 'resolved' ? alert.endsAt : alert.startsAt);
  if (!observedAt || observedAt.startsWith('0001-')) return skip('bad-time');

  const status = statusOf(alert, rules);
  const name = label(alert.labels, 'alertname');
  const text = alert.annotations.summary ?? alert.annotations.description ?? (name ? `${name} ${alert.status}` : undefined);
  const customerId = label(alert.labels, rules.customerLabel);
  const report: StatusReport = {
    serverId,
    observedAt,
    reachable: true,
    components: [{
      name: component,
      kind: kindText,
      status,
      ...(text ? { message: text.slice(0, MAX_MESSAGE) } : {}),
      since: observedAt,
    }],
    ...(customerId && customerId.length <= MAX_ID ? { customerId } : {}),
  };
  return { ok: true, key: alertDedupKey(alert), report };
}

export interface MappedPayload {
  accepted: Array<{ key: string; report: StatusReport }>;
  skipped: Array<{ fingerprint: string; reason: AlertSkipReason }>;
}

export function mapPayload(payload: Pick<AlertmanagerPayload, 'alerts'>, rules: AlertMappingRules): MappedPayload {
  const out: MappedPayload = { accepted: [], skipped: [] };
  for (const alert of payload.alerts) {
    const mapped = mapAlert(alert, rules);
    if (mapped.ok) out.accepted.push({ key: mapped.key, report: mapped.report });
    else out.skipped.push({ fingerprint: mapped.fingerprint, reason: mapped.reason });
  }
  return out;
}
