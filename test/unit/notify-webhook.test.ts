// The generic webhook and Slack channels of the notifier, and what it says about channels: one attempt
// per call, failures classified so the outbox knows whether to retry.
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import type { NotificationMessage } from '../../src/notify/message.js';
import { Notifier, slackPayload } from '../../src/notify/notifier.js';
import { TicketError } from '../../src/tickets/ticket-error.js';

const message: NotificationMessage = {
  kind: 'management.escalated',
  title: 'INC-000007 escalated to Head of Support', text: 'backup failed on acme-hq-01 — P2, level 3.',
  incidentId: 'INC-000007', level: 3, priority: 'P2', customerId: 'acme', serverId: 'srv-0001', incidentTitle: 'backup failed on acme-hq-01',
  step: 2, contact: { name: 'Pat Head', email: 'head-of-support@vendor.example', title: 'Head of Support' },
  link: 'http://esc.test/#incident=INC-000007',
};
const now = () => new Date('2026-11-25T10:00:00Z');
const notifier = new Notifier({
  channels: [
    { id: 'ops', type: 'webhook', url: 'http://hooks.test/escalatord', token: 'hook-token-0123456789' },
    { id: 'chat', type: 'slack', url: 'http://slack.test/services/T0/B0/X' },
    { id: 'mail', type: 'email', smtp: { host: 'smtp.test', port: 587, secure: false, auth: { user: 'bot', pass: 'secret-password' } }, from: 'esc@provider.example', to: [] },
  ],
  // Calls that must succeed get all the time a loaded machine may need; the timeout has a test of its own.
  timeoutMs: 30_000,
  now,
});

afterEach(() => {
  nock.abortPendingRequests();
  nock.cleanAll();
});

describe('Notifier', () => {
  it('posts the whole message as JSON to a webhook channel, with its bearer token', async () => {
    const scope = nock('http://hooks.test', { reqheaders: { authorization: 'Bearer hook-token-0123456789' } })
      .post('/escalatord', (body) => body.kind === 'management.escalated' && body.incidentId === 'INC-000007' && body.step === 2 && body.contact.email === 'head-of-support@vendor.example' && body.sentAt === '2026-11-25T10:00:00.000Z')
      .reply(204);
    await notifier.send('ops', message);
    expect(scope.isDone()).toBe(true);
  });

  it('posts a Slack-compatible text payload to a slack channel', async () => {
    const scope = nock('http://slack.test')
      .post('/services/T0/B0/X', (body) => Object.keys(body).join() === 'text' && body.text.startsWith('*INC-000007 escalated to Head of Support*') && body.text.includes('<http://esc.test/#incident=INC-000007|INC-000007>'))
      .reply(200, 'ok');
    await notifier.send('chat', message);
    expect(scope.isDone()).toBe(true);
  });

  it('escapes Slack control characters from data, so a title cannot mention the channel or forge a link', () => {
    expect(slackPayload({ ...message, title: '<!channel> & <http://evil.example|click>' }).text.split('\n')[0]).toBe('*&lt;!channel&gt; &amp; &lt;http://evil.example|click&gt;*');
  });

  it('says a 503 may be retried and a 404 may not', async () => {
    nock('http://hooks.test').post('/escalatord').reply(503, {}, { 'Retry-After': '7' });
    const outage = await notifier.send('ops', message).catch((e: unknown) => e);
    expect(outage).toBeInstanceOf(TicketError);
    expect(outage).toMatchObject({ retryable: true, retryAfterMs: 7000 });
    nock('http://hooks.test').post('/escalatord').reply(404);
    await expect(notifier.send('ops', message)).rejects.toMatchObject({ retryable: false, reason: 'client-error' });
  });

  it('gives up on a webhook that answers too late, and says the call may be retried', async () => {
    const impatient = new Notifier({ channels: [{ id: 'ops', type: 'webhook', url: 'http://hooks.test/escalatord' }], timeoutMs: 250, now });
    // The answer would come a minute later: the attempt's deadline, not the test's timing, decides.
    const scope = nock('http://hooks.test').post('/escalatord').delay(60_000).reply(204);
    const late = await impatient.send('ops', message).catch((e: unknown) => e);
    expect(scope.isDone()).toBe(true);
    expect(late).toBeInstanceOf(TicketError);
    expect(late).toMatchObject({ reason: 'timeout', retryable: true });
  });

  it('refuses an unknown channel for good', async () => {
    await expect(notifier.send('nope', message)).rejects.toMatchObject({ retryable: false, message: expect.stringMatching(/unknown notification channel/) });
  });

  it('lists its channels and tells their type, never their address or credentials', () => {
    expect(notifier.channelIds).toEqual(['ops', 'chat', 'mail']);
    expect(notifier.channel('mail')).toEqual({ id: 'mail', type: 'email' });
    expect(notifier.channel('ops')).toEqual({ id: 'ops', type: 'webhook' });
    expect(notifier.channel('nope')).toBeUndefined();
  });

  it('refuses two channels with one id', () => {
    expect(() => new Notifier({ channels: [{ id: 'a', type: 'teams', url: 'http://x.test' }, { id: 'a', type: 'slack', url: 'http://y.test' }], timeoutMs: 1, now })).toThrow(/used twice/);
  });
});
