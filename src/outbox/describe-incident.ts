// The ticket's description: what the vendor's engineer reads first, built from the incident alone.
import type { Incident } from '../domain/types.js';

export function describeIncident(incident: Incident): string {
  const lines = [
    incident.title,
    '',
    `Incident: ${incident.id} (${incident.type}, level ${incident.level}, ${incident.priority})`,
    `Server: ${incident.serverId} — customer ${incident.customerId}`,
    incident.component ? `Component: ${incident.component} (${incident.componentKind ?? 'unknown kind'})` : '',
    incident.detectedAt ? `Detected: ${incident.detectedAt}` : '',
    incident.symptoms.length > 0 ? `Symptoms:\n${incident.symptoms.map((s) => `- ${s}`).join('\n')}` : '',
    incident.reporter ? `Reported by: ${incident.reporter.name} <${incident.reporter.email}>` : '',
    incident.requestType ? `Request: ${incident.requestType}` : '',
  ];
  const notes = incident.timeline.filter((t) => t.action === 'escalated' && t.note).map((t) => `- ${t.at} ${t.actor.name}: ${t.note}`);
  if (notes.length > 0) lines.push('', 'Escalation notes:', ...notes);
  return lines.filter((l, i, all) => l !== '' || (i > 0 && all[i - 1] !== '')).join('\n');
}
