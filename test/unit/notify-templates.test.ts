// One template per notification kind: subjects, the opening line, and what data may not do to either body.
import { describe, expect, it } from 'vitest';
import type { NotificationMessage } from '../../src/notify/message.js';
import { renderMessage } from '../../src/notify/templates.js';

const base: NotificationMessage = {
  kind: 'sla.warning',
  title: 'SLA warning', text: 'Three quarters of the response time has passed.',
  incidentId: 'INC-000042', level: 3, priority: 'P1', customerId: 'acme', serverId: 'srv-0001', incidentTitle: 'backup failed',
  sla: { clock: 'response', state: 'warning', dueAt: '2026-11-25T10:30:00Z' },
  link: 'http://localhost:8080/#incident=INC-000042',
};

describe('renderMessage', () => {
  it.each([
    ['sla.warning', '[P1] SLA warning: INC-000042 response due 2026-11-25 10:30 UTC', 'The response target of incident INC-000042 is due 2026-11-25 10:30 UTC and has not been met yet.'],
    ['sla.breached', '[P1] SLA breached: INC-000042 response was due 2026-11-25 10:30 UTC', 'The response target of incident INC-000042 was due 2026-11-25 10:30 UTC and has been missed.'],
    ['management.escalated', '[P1] INC-000042 escalated to management: backup failed', 'Incident INC-000042 has been escalated on the management path.'],
  ] as const)('renders %s with its own subject and opening line', (kind, subject, headline) => {
    const out = renderMessage({ ...base, kind });
    expect(out.subject).toBe(subject);
    expect(out.text.split('\n')[0]).toBe(headline);
    expect(out.html).toContain(`<p><strong>${headline}</strong></p>`);
  });

  it('keeps the subject on one line whatever the incident title holds', () => {
    const out = renderMessage({ ...base, kind: 'management.escalated', incidentTitle: 'x\r\nBcc: victim@example.com' });
    expect(out.subject).not.toMatch(/[\r\n]/);
    expect(out.subject).toContain('x Bcc: victim@example.com');
  });

  it('offers only an http(s) link as an anchor and shows any other as escaped text', () => {
    const out = renderMessage({ ...base, link: 'javascript:alert("x")' });
    expect(out.html).not.toContain('<a ');
    expect(out.html).toContain('javascript:alert(&quot;x&quot;)');
  });

  it('keeps the path prefix of the public URL in the link', () => {
    expect(renderMessage({ ...base, link: 'https://ops.example/escalatord/#incident=INC-000042' }).html)
      .toContain('href="https://ops.example/escalatord/#incident=INC-000042"');
  });
});
