// What `escalatord_detection_to_ticket_seconds` observes (DESIGN §10; its help text: "from the console
// detecting a software failure to the vendor ticket existing"). It measures the no-human path of DESIGN
// §5 — monitoring detects a failed software component and the ticket follows — so it covers only that
// path: never a manual escalation (whose time is a person's), never a re-creation after a failure.
import { MONITORING_SOURCES } from './enums.js';
import type { Incident } from './types.js';

type DetectionFacts = Pick<Incident, 'source' | 'componentKind' | 'createdAt' | 'timeline'>;

/**
 * Seconds to observe when the ticket of `incident` was created at `ticketAt`, or null when the metric does
 * not cover it: a monitoring incident on a software component, never escalated by a person, on the first
 * creation (`creation: 'retry'` after a failed one is not). Measured from the incident's creation on the
 * daemon's own clock (the console's `observedAt` may be skewed or delivered late); never negative.
 */
export function detectionToTicketSeconds(incident: DetectionFacts, ticketAt: Date, creation: 'first' | 'retry'): number | null {
  if (creation !== 'first') return null;
  if (!(MONITORING_SOURCES as readonly string[]).includes(incident.source)) return null;
  if (incident.componentKind !== 'software') return null;
  if (incident.timeline.some((e) => e.action === 'escalated')) return null;
  return Math.max(0, (ticketAt.getTime() - Date.parse(incident.createdAt)) / 1000);
}
