// What the SLA and management code hands the notifier: one self-contained description of why someone is
// being told about an incident, so every channel (webhook, Slack, e-mail, Teams) renders it without
// reading the store.

export type NotificationKind = 'management.escalated' | 'sla.warning' | 'sla.breached';
export const NOTIFICATION_KINDS: readonly NotificationKind[] = ['management.escalated', 'sla.warning', 'sla.breached'];

export interface NotificationMessage {
  kind: NotificationKind;
  /** A one-line summary (webhook and Slack use it as is; e-mail and Teams build their own headings). */
  title: string;
  /** A short paragraph saying what happened and what is expected now. */
  text: string;
  incidentId: string;
  level: number;
  priority: string;
  customerId: string;
  customerName?: string;
  serverId: string;
  incidentTitle: string;
  /** The clock concerned (SLA kinds), or the incident's most urgent clock (management). */
  sla?: { clock: string; state: string; dueAt: string | null };
  /** Management step (2–4) and its contact: the step's mail goes to `contact.email` as well as the channel's `to`. */
  step?: number;
  contact?: { title: string; name: string; email?: string; phone?: string };
  /** Absolute dashboard URL of the incident: `${server.publicUrl}/#incident=INC-000042` (publicUrl may carry a path prefix). */
  link: string;
}
