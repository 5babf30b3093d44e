// Management notifications: a generic JSON webhook and a Slack-compatible `text` payload, one attempt
// per call with failures classified so the outbox knows whether to retry.
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { Notifier, type NotificationMessage } from '../../src/escalation/notifier.js';
import { TicketError } from '../../src/tickets/ticket-error.js';

const message: NotificationMessage = {
  title: 'INC-000007 escalated to Head of Support', text: 'backup failed on acme-hq-01 — P2, level 3.', incidentId: 'INC-000007', step: 2,
  contact: { name: 'Head of Support', email: 'head-of-support@vendor.example', title: 'Head of Support' }, link: 'http://esc.test/api/v1/incidents/INC-000007',
};
const now = () => new Date('2026-11-25T10:00:00Z');
const notifier = new Notifier({
  channels: [
    { id: 'ops', type: 'webhook', url: 'http://hooks.test/escalatord', token: 'hook-token-0123456789' },
    { id: 'chat', type: 'slack', url: 'http://slack.test/services/T0/B0/X' },
  ],
  timeoutMs: 500,
  now,
});

afterEach(() => nock.cleanAll());

describe('Notifier', () => {
  it('posts the whole message as JSON to a webhook channel, with its bearer token', async () => {
    const scope = nock('http://hooks.test', { reqheaders: { authorization: 'Bearer hook-token-0123456789' } })
      .post('/escalatord', (body) => body.incidentId === 'INC-000007' && body.step === 2 && body.contact.email === 'head-of-support@vendor.example' && body.sentAt === '2026-11-25T10:00:00.000Z')
      .reply(204);
    await notifier.send('ops', message);
    expect(scope.isDone()).toBe(true);
  });

  it('posts a Slack-compatible text payload to a slack channel', async () => {
    const scope = nock('http://slack.test')
      .post('/services/T0/B0/X', (body) => Object.keys(body).join() === 'text' && body.text.startsWith('*INC-000007 escalated to Head of Support*') && body.text.includes('<http://esc.test/api/v1/incidents/INC-000007|INC-000007>'))
      .reply(200, 'ok');
    await notifier.send('chat', message);
    expect(scope.isDone()).toBe(true);
  });

  it('says a 503 may be retried and a 404 may not', async () => {
    nock('http://hooks.test').post('/escalatord').reply(503, {}, { 'Retry-After': '7' });
    const outage = await notifier.send('ops', message).catch((e: unknown) => e);
    expect(outage).toBeInstanceOf(TicketError);
    expect(outage).toMatchObject({ retryable: true, retryAfterMs: 7000 });
    nock('http://hooks.test').post('/escalatord').reply(404);
    await expect(notifier.send('ops', message)).rejects.toMatchObject({ retryable: false, reason: 'client-error' });
  });

  it('refuses an unknown channel', async () => {
    await expect(notifier.send('nope', message)).rejects.toThrow(/unknown notification channel/);
  });
});
