// Small helpers for reading and writing incidents inside a unit of work, so every change goes through
// the same path: save the record, emit the event with its live-filter scope, and append each new
// timeline entry to the audit trail in the same commit.
import type { EventType, Incident } from '../domain/types.js';
import { NotFoundError } from '../domain/errors.js';
import { commentDisposition } from '../domain/ticket-policy.js';
import type { IncidentReads } from '../store/port.js';
import type { Tx } from '../store/transactor.js';

export async function getIncident(incidents: Pick<IncidentReads, 'get'>, id: string): Promise<Incident> {
  const incident = await incidents.get(id);
  if (!incident) throw new NotFoundError(`incident ${id}`);
  return incident;
}

/** Saves the incident, emits `type` for it and audits the timeline entries added since it was read. */
export function saveIncident(tx: Tx, incident: Incident, type: EventType, extra: Record<string, unknown> = {}): Incident {
  const base = tx.baseOf(incident.id);
  saveQuietly(tx, incident);
  tx.emit({
    type,
    data: { incidentId: incident.id, incident: incidentSummary(incident), ...extra },
    scope: { level: incident.level, ...(base && base.level !== incident.level ? { fromLevel: base.level } : {}), customerId: incident.customerId, serverId: incident.serverId },
  });
  return incident;
}

/** Saves a change that is not news for the live feed (e.g. the ticket's pending state), still audited. */
export function saveQuietly(tx: Tx, incident: Incident): Incident {
  const base = tx.baseOf(incident.id);
  tx.incidents.put(incident);
  for (let i = base ? base.timeline.length : 0; i < incident.timeline.length; i++) {
    const e = incident.timeline[i];
    tx.audit.append({ at: e.at, incidentId: incident.id, actor: e.actor, action: e.action, note: e.note, data: e.data });
  }
  tx.rebase(incident);
  return incident;
}

/**
 * What events and the live snapshot carry: the incident without its diagnostics payload and with only
 * the latest timeline entry, so the persisted event log stays small.
 */
export function incidentSummary(incident: Incident): Incident {
  return {
    ...incident,
    diagnostics: incident.diagnostics ? { ...incident.diagnostics, data: null } : null,
    timeline: incident.timeline.slice(-1),
  };
}

/** Enqueues a comment for the incident's vendor ticket unless it has none; one waiting for its ticket is held by the dispatcher. */
export function commentOnTicket(tx: Tx, incident: Incident, kind: 'diagnostics' | 'escalation' | 'recovery' | 'resolution' | 'sla', body: string): void {
  if (commentDisposition(incident.ticket, incident.status) === 'drop') return;
  tx.enqueue({ kind: 'ticket.comment', incidentId: incident.id, payload: { kind, body } });
}

/**
 * Puts the vendor ticket's creation in the outbox and marks the ticket pending; calls that waited for an
 * earlier creation that failed move behind the new one, so they are not ahead of it in the lane.
 */
export async function requestTicket(tx: Tx, incident: Incident, payload: Record<string, unknown>): Promise<Incident> {
  const out = saveQuietly(tx, { ...incident, ticket: { adapter: incident.ticket?.adapter ?? '', id: null, url: null, state: 'pending' } });
  const waiting = (await tx.outbox.forIncident(incident.id)).filter((o) => o.lane === incident.id);
  // The server rides along so the dispatcher reads it beside the incident, not after it.
  tx.enqueue({ kind: 'ticket.create', incidentId: incident.id, payload: { ...payload, serverId: incident.serverId, retry: incident.ticket?.state === 'failed' } });
  for (const w of waiting) {
    tx.outbox.remove(w.id);
    tx.enqueue({ kind: w.kind, incidentId: w.incidentId, payload: w.payload as Record<string, unknown> });
  }
  return out;
}
