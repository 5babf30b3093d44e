// A notification as the notifier hands it to a channel: the SLA breach of one incident, shared by the
// tests of each channel's rendering; and a management step as NotificationOutbox builds it.
import type { Incident } from '../../src/domain/types.js';
import { NotificationOutbox } from '../../src/escalation/notifications.js';
import type { NotificationMessage } from '../../src/notify/message.js';
import type { Tx } from '../../src/store/transactor.js';
import { incident } from './store-conformance.js';

export const SLA_BREACH: NotificationMessage = {
  kind: 'sla.breached',
  title: 'SLA breached: INC-000042 resolution',
  text: 'The resolution target of a P2 incident was missed.',
  incidentId: 'INC-000042', level: 3, priority: 'P2', customerId: 'acme', customerName: 'Acme Ltd', serverId: 'srv-0001',
  incidentTitle: 'backup failed on acme-hq-01',
  sla: { clock: 'resolution', state: 'breached', dueAt: '2026-11-25T17:30:00.000Z' },
  link: 'https://esc.example/ops/#incident=INC-000042',
};

/**
 * Step 2 of the management path as NotificationOutbox enqueues it for one channel, raised at
 * 2026-11-25 18:00 UTC on INC-000042: response met, progress running, resolution breached at 17:30.
 */
export function managementStepMessage(): NotificationMessage {
  const now = new Date('2026-11-25T18:00:00.000Z');
  const run = { warnedAt: null, breachedAt: null, startedAt: '2026-11-25T09:30:00.000Z', metAt: null, warnAt: null };
  const subject: Incident = incident('INC-000042', {
    title: 'backup failed on acme-hq-01', serverId: 'srv-0001',
    sla: {
      response: { ...run, state: 'met', dueAt: null, metAt: '2026-11-25T09:40:00.000Z' },
      progress: { ...run, state: 'running', dueAt: '2026-11-25T19:00:00.000Z' },
      resolution: { ...run, state: 'breached', dueAt: '2026-11-25T17:30:00.000Z', breachedAt: '2026-11-25T17:30:00.000Z', warnedAt: '2026-11-25T15:00:00.000Z' },
    },
  });
  const enqueued: Array<{ payload: Record<string, unknown> }> = [];
  // The only parts of a unit of work the outbox writer touches: the instant and enqueue.
  const tx = { now, enqueue: (item: { payload: Record<string, unknown> }) => void enqueued.push(item) } as unknown as Tx;
  new NotificationOutbox({ channels: () => ['one'], publicUrl: 'https://esc.example/ops', customerName: () => 'Acme Ltd' })
    .managementStep(tx, subject, 2, 'sla-breach', { title: 'Head of Support', contact: { name: 'Pat Head', email: 'head-of-support@vendor.example' } });
  return enqueued[0].payload.message as NotificationMessage;
}
