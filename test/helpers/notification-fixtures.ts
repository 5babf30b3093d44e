// A notification as the notifier hands it to a channel: the SLA breach of one incident, shared by the
// tests of each channel's rendering.
import type { NotificationMessage } from '../../src/notify/message.js';

export const SLA_BREACH: NotificationMessage = {
  kind: 'sla.breached',
  title: 'SLA breached: INC-000042 resolution',
  text: 'The resolution target of a P2 incident was missed.',
  incidentId: 'INC-000042', level: 3, priority: 'P2', customerId: 'acme', customerName: 'Acme Ltd', serverId: 'srv-0001',
  incidentTitle: 'backup failed on acme-hq-01',
  sla: { clock: 'resolution', state: 'breached', dueAt: '2026-11-25T17:30:00.000Z' },
  link: 'https://esc.example/ops/#incident=INC-000042',
};
