// The people side of SLA and management events: one `notify` outbox item per configured channel, in the
// same commit as the event, carrying a self-contained message (src/notify/message.ts). Management steps
// name their contact (e-mail also goes to the contact); SLA warnings and breaches go to each channel's own
// recipients.
import { mostUrgentClock } from '../domain/sla.js';
import type { Incident } from '../domain/types.js';
import type { NotificationMessage } from '../notify/message.js';
import type { Tx } from '../store/transactor.js';

export interface StepContact {
  title: string;
  contact: { name: string; email?: string; phone?: string };
}

export interface NotificationOutboxDeps {
  /** Ids of the configured notification channels. */
  channels: () => string[];
  publicUrl: string;
  /** Display name of a customer, for people reading a notification. */
  customerName?: (customerId: string) => string | undefined;
}

export class NotificationOutbox {
  constructor(private readonly deps: NotificationOutboxDeps) {}

  /**
   * A management step was raised (or re-notified): tell its contact, through every channel, with the
   * incident's most urgent clock as it stands at this commit (what the contact is being asked to act on).
   */
  managementStep(tx: Tx, incident: Incident, step: number, why: string, contact: StepContact | undefined): void {
    const urgent = incident.sla ? mostUrgentClock(incident.sla, tx.now) : undefined;
    const text = `${incident.title} — ${incident.priority}, level ${incident.level}, customer ${this.customer(incident.customerId)}. Reason: ${why}.` +
      (contact ? ` Contact: ${contact.contact.name}${contact.contact.email ? ` <${contact.contact.email}>` : ''}${contact.contact.phone ? `, ${contact.contact.phone}` : ''}.` : '');
    this.enqueue(tx, incident, {
      kind: 'management.escalated',
      title: `${incident.id} escalated to ${contact?.title ?? `management step ${step}`}`,
      text, step,
      contact: contact ? { ...contact.contact, title: contact.title } : undefined,
      ...(urgent ? { sla: urgent } : {}),
    });
  }

  /** An SLA clock warned or breached. */
  sla(tx: Tx, incident: Incident, type: 'sla.warning' | 'sla.breached', text: string, state: { clock: string; state: string; dueAt: string | null }): void {
    this.enqueue(tx, incident, {
      kind: type,
      title: `${incident.id}: SLA ${type === 'sla.warning' ? 'warning' : 'breached'} (${state.clock})`,
      text, sla: state,
    });
  }

  private enqueue(tx: Tx, incident: Incident, m: Pick<NotificationMessage, 'kind' | 'title' | 'text' | 'step' | 'contact' | 'sla'>): void {
    const message: NotificationMessage = {
      ...m,
      incidentId: incident.id, incidentTitle: incident.title, level: incident.level, priority: incident.priority,
      customerId: incident.customerId, customerName: this.deps.customerName?.(incident.customerId), serverId: incident.serverId,
      link: incidentLink(this.deps.publicUrl, incident.id),
    };
    for (const channelId of this.deps.channels()) {
      tx.enqueue({ kind: 'notify', incidentId: incident.id, payload: { channelId, step: m.step ?? null, message: message as unknown as Record<string, unknown> } });
    }
  }

  private customer(id: string): string {
    return this.deps.customerName?.(id) ?? id;
  }
}

/** The dashboard's URL of an incident; `publicUrl` may carry a path prefix. */
export function incidentLink(publicUrl: string, incidentId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/#incident=${encodeURIComponent(incidentId)}`;
}
