// The Teams channel: an Adaptive Card in the message-with-attachments shape a Teams Workflows webhook
// ("When a Teams webhook request is received") posts to a channel, checked with nock.
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { Notifier } from '../../src/notify/notifier.js';
import { escapeCardMarkdown, teamsCard } from '../../src/notify/teams-card.js';
import { TicketError } from '../../src/tickets/ticket-error.js';
import { managementStepMessage, SLA_BREACH } from '../helpers/notification-fixtures.js';

const WORKFLOW = 'https://prod-00.westeurope.logic.azure.com:443';
const PATH = '/workflows/0123abcd/triggers/manual/paths/invoke';
const QUERY = '?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=c2lnbmF0dXJl';

const breach = SLA_BREACH;

const notifier = new Notifier({
  channels: [{ id: 'teams', type: 'teams', url: `${WORKFLOW}${PATH}${QUERY}` }],
  // Calls that must succeed get all the time a loaded machine may need; the timeout has a test of its own.
  timeoutMs: 30_000,
  now: () => new Date('2026-11-25T18:00:00Z'),
});

afterEach(() => {
  nock.abortPendingRequests();
  nock.cleanAll();
});

describe('Teams channel', () => {
  it('posts one Adaptive Card attachment with the title, level, priority, customer, SLA state and a link', async () => {
    let posted: Record<string, unknown> | null = null;
    const scope = nock(WORKFLOW, { reqheaders: { 'content-type': /application\/json/ } })
      .post(`${PATH}${QUERY}`, (body: Record<string, unknown>) => {
        posted = body;
        return true;
      })
      .reply(202);
    await notifier.send('teams', breach);
    expect(scope.isDone()).toBe(true);
    expect(posted).toEqual({
      type: 'message',
      attachments: [{
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          msteams: { width: 'Full' },
          body: [
            { type: 'TextBlock', text: 'SLA breached: INC-000042', weight: 'Bolder', size: 'Medium', color: 'Attention', wrap: true },
            { type: 'TextBlock', text: 'backup failed on acme-hq-01', weight: 'Bolder', wrap: true },
            { type: 'TextBlock', text: 'resolution breached, due 2026-11-25 17:30 UTC', isSubtle: true, spacing: 'None', wrap: true },
            { type: 'TextBlock', text: 'The resolution target of a P2 incident was missed.', wrap: true },
            {
              type: 'FactSet',
              facts: [
                { title: 'Incident', value: 'INC-000042: backup failed on acme-hq-01' },
                { title: 'Customer', value: 'Acme Ltd (acme)' },
                { title: 'Server', value: 'srv-0001' },
                { title: 'Priority', value: 'P2' },
                { title: 'Level', value: 'L3' },
                { title: 'SLA', value: 'resolution breached, due 2026-11-25 17:30 UTC' },
              ],
            },
          ],
          actions: [{ type: 'Action.OpenUrl', title: 'Open INC-000042', url: 'https://esc.example/ops/#incident=INC-000042' }],
        },
      }],
    });
  });

  it('names the management step and its contact on a management escalation', () => {
    const card = teamsCard({ ...breach, kind: 'management.escalated', step: 3, sla: undefined, contact: { title: 'VP Customer Success', name: 'Vic President', email: 'vp@vendor.example' } });
    const content = card.attachments[0].content;
    expect(content.body[0]).toMatchObject({ text: 'Management escalation: INC-000042', color: 'Attention' });
    expect(content.body[2]).toMatchObject({ text: 'P2, level 3' });
    expect((content.body[4] as { facts: Array<{ title: string; value: string }> }).facts.at(-1)).toEqual({ title: 'Contact', value: 'VP Customer Success: Vic President (vp@vendor.example)' });
  });

  it('shows the incident\'s most urgent clock on a management step raised by the outbox', () => {
    const content = teamsCard(managementStepMessage()).attachments[0].content;
    expect(content.body[0]).toMatchObject({ text: 'Management escalation: INC-000042' });
    expect(content.body[2]).toMatchObject({ text: 'resolution breached, due 2026-11-25 17:30 UTC' });
    expect((content.body[4] as { facts: Array<{ title: string; value: string }> }).facts).toContainEqual({ title: 'SLA', value: 'resolution breached, due 2026-11-25 17:30 UTC' });
  });

  it('shows Markdown in data as written, so a title cannot become a link, and offers no link that is not http(s)', () => {
    const card = teamsCard({ ...breach, incidentTitle: '[click me](https://evil.example) *now*', link: 'javascript:alert(1)' });
    expect(card.attachments[0].content.body[1]).toMatchObject({ text: '\\[click me\\](https://evil.example) \\*now\\*' });
    expect(card.attachments[0].content.actions).toBeUndefined();
    expect(escapeCardMarkdown('x'.repeat(5_000))).toHaveLength(2_000);
  });

  it('says a 429 from the workflow may be retried after its Retry-After, and a 400 may not', async () => {
    nock(WORKFLOW).post(`${PATH}${QUERY}`).reply(429, { error: { code: 'TooManyRequests' } }, { 'Retry-After': '30' });
    const throttled = await notifier.send('teams', breach).catch((e: unknown) => e);
    expect(throttled).toBeInstanceOf(TicketError);
    expect(throttled).toMatchObject({ retryable: true, reason: 'rate-limited', retryAfterMs: 30_000 });
    nock(WORKFLOW).post(`${PATH}${QUERY}`).reply(400, { error: { code: 'InvalidRequestContent' } });
    await expect(notifier.send('teams', breach)).rejects.toMatchObject({ retryable: false, reason: 'client-error', status: 400 });
  });

  it('gives up on a workflow that answers too late, says the call may be retried, and keeps the URL out of the error', async () => {
    const impatient = new Notifier({ channels: [{ id: 'teams', type: 'teams', url: `${WORKFLOW}${PATH}${QUERY}` }], timeoutMs: 250, now: () => new Date('2026-11-25T18:00:00Z') });
    // The answer would come a minute later: the attempt's deadline, not the test's timing, decides.
    const scope = nock(WORKFLOW).post(`${PATH}${QUERY}`).delay(60_000).reply(202);
    const late = (await impatient.send('teams', breach).catch((e: unknown) => e)) as TicketError;
    expect(scope.isDone()).toBe(true);
    expect(late).toBeInstanceOf(TicketError);
    expect(late).toMatchObject({ reason: 'timeout', retryable: true });
    expect(`${late.message} ${late.detail ?? ''}`).not.toContain('c2lnbmF0dXJl');
  });

  it('never puts the workflow URL, whose sig is a credential, in the error it throws', async () => {
    nock(WORKFLOW).post(`${PATH}${QUERY}`).reply(404, { error: { message: `no flow at ${WORKFLOW}${PATH}${QUERY}` } });
    const err = (await notifier.send('teams', breach).catch((e: unknown) => e)) as TicketError;
    expect(err).toBeInstanceOf(TicketError);
    expect(err.message).toBe('POST <channel teams> answered 404');
    expect(`${err.message} ${err.detail ?? ''}`).not.toContain('c2lnbmF0dXJl');
    // An Error, not a plain object: nock 14 never fails the request with a plain object, and the call
    // would only end at its timeout.
    nock(WORKFLOW).post(`${PATH}${QUERY}`).replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    const reset = (await notifier.send('teams', breach).catch((e: unknown) => e)) as TicketError;
    expect(reset).toMatchObject({ retryable: true, reason: 'network' });
    expect(reset.message).toMatch(/^POST <channel teams> /);
  });
});
