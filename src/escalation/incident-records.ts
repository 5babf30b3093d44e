// Small helpers for reading and writing incidents inside a transaction, so every change goes through
// the same path: save, keep the open index right, emit the event with its live-filter scope.
import { incidentKey } from '../domain/routing.js';
import type { EventType, Incident } from '../domain/types.js';
import { NotFoundError } from '../domain/errors.js';
import type { Tx } from '../store/transactor.js';
import type { StoreData } from '../store/types.js';

export function nextIncidentId(data: StoreData): string {
  data.counters.incident += 1;
  return `INC-${String(data.counters.incident).padStart(6, '0')}`;
}

export function getIncident(data: Readonly<StoreData>, id: string): Incident {
  const incident = data.incidents[id];
  if (!incident) throw new NotFoundError(`incident ${id}`);
  return incident;
}

export function openIncidentFor(data: Readonly<StoreData>, serverId: string, component: string | null): Incident | undefined {
  const id = data.openIndex[incidentKey(serverId, component)];
  return id ? data.incidents[id] : undefined;
}

/** Saves the incident, keeps `openIndex` in step with its status and emits `type` for it. */
export function saveIncident(tx: Tx, incident: Incident, type: EventType, extra: Record<string, unknown> = {}): Incident {
  tx.data.incidents[incident.id] = incident;
  // Only monitoring incidents (and manual ones on a component) hold a key: one open incident per server+component.
  if (incident.source !== 'manual' || incident.component !== null) {
    const key = incidentKey(incident.serverId, incident.component);
    if (incident.status === 'resolved') {
      if (tx.data.openIndex[key] === incident.id) delete tx.data.openIndex[key];
    } else if (incident.source !== 'manual') {
      tx.data.openIndex[key] = incident.id;
    }
  }
  tx.emit({
    type,
    data: { incidentId: incident.id, incident: incidentSummary(incident), ...extra },
    scope: { level: incident.level, customerId: incident.customerId, serverId: incident.serverId },
  });
  return incident;
}

export function openIncidents(data: Readonly<StoreData>): Incident[] {
  return Object.values(data.incidents).filter((i) => i.status !== 'resolved');
}

/**
 * What events and the live snapshot carry: the incident without its diagnostics payload and with only
 * the latest timeline entry, so the persisted event log (10,000 events by default) stays small.
 */
export function incidentSummary(incident: Incident): Incident {
  return {
    ...incident,
    diagnostics: incident.diagnostics ? { ...incident.diagnostics, data: null } : null,
    timeline: incident.timeline.slice(-1),
  };
}
