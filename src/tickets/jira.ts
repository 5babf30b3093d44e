// Jira Cloud / Jira Service Management over REST v3. Rich text is ADF; auth is Basic with an Atlassian
// account email and API token (or a bearer PAT on Data Center when no username is set). Jira has no
// idempotency header, so each issue carries the label `escalatord-<incident id>` and `create` searches
// for it first: a create retried after a crash or a lost response finds the issue instead of making a
// second one. (Jira's search index can lag a create by a few seconds; the dispatcher's backoff covers that.)
import type { CreatedTicket, TicketAdapter, TicketCommentKind, TicketCreateRequest } from './adapter.js';
import { codeBlock, doc, heading, link, paragraph, paragraphs, text, type AdfBlock, type AdfDoc } from './adf.js';
import { diagnosticsText } from '../domain/diagnostics-cap.js';
import { JIRA_COMMENT_MARK } from '../domain/vendor-events.js';
import { absoluteLink, authHeader, badResponse, createTicketHttp, type TicketAdapterDeps, type TicketHttp } from './http.js';
import { TicketError } from './ticket-error.js';

/** Jira's default priority scheme. */
export const JIRA_PRIORITIES: Record<TicketCreateRequest['priority'], string> = { P1: 'Highest', P2: 'High', P3: 'Medium', P4: 'Low' };
// Jira rejects rich-text fields over 32,767 characters; leave room for the rest of the description.
const DESCRIPTION_DIAGNOSTICS_MAX = 24_000;
const SUMMARY_MAX = 255;
const KIND_LABELS: Record<TicketCommentKind, string> = {
  diagnostics: 'Diagnostics', escalation: 'Escalation', recovery: 'Recovery', resolution: 'Resolution', sla: 'SLA', progress: 'Progress',
};

interface JiraSearchResponse {
  issues?: Array<{ id?: string; key?: string }>;
}
interface JiraTransition {
  id: string;
  name: string;
  to?: { name?: string };
}

/** Labels cannot contain spaces; keep the rest readable. */
export function incidentLabel(incidentId: string): string {
  return `escalatord-${incidentId.replace(/\s+/g, '_')}`;
}

function jqlString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export class JiraTicketAdapter implements TicketAdapter {
  readonly name = 'jira' as const;
  private readonly http: TicketHttp;

  constructor(private readonly deps: TicketAdapterDeps) {
    this.http = createTicketHttp(deps, 'jira', authHeader(deps.config));
  }

  async create(req: TicketCreateRequest, idempotencyKey: string): Promise<CreatedTicket> {
    const label = incidentLabel(idempotencyKey);
    const existing = await this.findByLabel(label);
    if (existing) return existing;

    const fields: Record<string, unknown> = {
      project: { key: this.deps.config.jira.projectKey },
      issuetype: { name: this.deps.config.jira.issueType },
      summary: req.title.replace(/\s+/g, ' ').trim().slice(0, SUMMARY_MAX),
      priority: { name: JIRA_PRIORITIES[req.priority] },
      labels: ['escalatord', label],
      description: this.describe(req),
    };
    try {
      return await this.createIssue(fields);
    } catch (err) {
      // Projects whose create screen has no priority field reject it; a ticket without one beats none.
      if (err instanceof TicketError && err.status === 400 && /priority/i.test(err.detail ?? '')) {
        const { priority: _dropped, ...rest } = fields;
        return this.createIssue(rest);
      }
      throw err;
    }
  }

  async comment(ticketId: string, body: string, kind: TicketCommentKind): Promise<void> {
    await this.http.send({
      method: 'POST',
      url: `/rest/api/3/issue/${encodeURIComponent(ticketId)}/comment`,
      data: { body: commentDoc(body, kind) },
    });
  }

  /**
   * Moves the issue through the configured transition, then records the note. Safe to repeat: when the
   * transition is no longer offered because the issue is already done, only the note is added.
   */
  async resolve(ticketId: string, note: string, rootCause: string | null): Promise<void> {
    const key = encodeURIComponent(ticketId);
    const wanted = this.deps.config.jira.resolveTransition.toLowerCase();
    const res = await this.http.send<{ transitions?: JiraTransition[] }>({ method: 'GET', url: `/rest/api/3/issue/${key}/transitions` });
    const transitions = res.data?.transitions;
    if (!Array.isArray(transitions)) throw badResponse('Jira listed no transitions', res.status);
    const match = transitions.find((t) => t.name?.toLowerCase() === wanted) ?? transitions.find((t) => t.to?.name?.toLowerCase() === wanted);
    if (match) {
      await this.http.send({ method: 'POST', url: `/rest/api/3/issue/${key}/transitions`, data: { transition: { id: match.id } } });
    } else if (!(await this.isDone(key))) {
      throw new TicketError('client-error', `Jira issue ${ticketId} offers no transition named "${this.deps.config.jira.resolveTransition}"`, {
        retryable: false,
        detail: `available: ${transitions.map((t) => t.name).join(', ')}`,
      });
    }
    const body = rootCause ? `${note}\n\nRoot cause: ${rootCause}` : note;
    await this.comment(ticketId, body, 'resolution');
  }

  private async findByLabel(label: string): Promise<CreatedTicket | null> {
    const jql = `project = ${jqlString(this.deps.config.jira.projectKey)} AND labels = ${jqlString(label)} ORDER BY created ASC`;
    const res = await this.http.send<JiraSearchResponse>({
      method: 'POST',
      url: '/rest/api/3/search/jql',
      data: { jql, fields: ['summary'], maxResults: 1 },
    });
    if (!Array.isArray(res.data?.issues)) throw badResponse('Jira search answered without an issues list', res.status);
    const key = res.data.issues[0]?.key;
    return key ? { id: key, url: this.browseUrl(key) } : null;
  }

  private async createIssue(fields: Record<string, unknown>): Promise<CreatedTicket> {
    const res = await this.http.send<{ id?: string; key?: string }>({ method: 'POST', url: '/rest/api/3/issue', data: { fields } });
    const key = res.data?.key;
    if (typeof key !== 'string' || key === '') throw badResponse('Jira created an issue but returned no key', res.status);
    return { id: key, url: this.browseUrl(key) };
  }

  private async isDone(key: string): Promise<boolean> {
    const res = await this.http.send<{ fields?: { status?: { statusCategory?: { key?: string } } } }>({
      method: 'GET',
      url: `/rest/api/3/issue/${key}`,
      params: { fields: 'status' },
    });
    return res.data?.fields?.status?.statusCategory?.key === 'done';
  }

  private browseUrl(key: string): string {
    return `${this.http.baseUrl}/browse/${encodeURIComponent(key)}`;
  }

  private describe(req: TicketCreateRequest): AdfDoc {
    const incidentUrl = absoluteLink(req.links.incident, this.deps.publicUrl);
    const facts = [
      `Priority: ${req.priority}`, `Level: L${req.level}`, `Server: ${req.serverId}`, `Customer: ${req.customerId}`,
      ...(req.component ? [`Component: ${req.component}`] : []),
    ].join('\n');
    const diag = diagnosticsText(req.diagnostics, Math.min(this.deps.config.diagnosticsMaxBytes, DESCRIPTION_DIAGNOSTICS_MAX));
    const blocks: AdfBlock[] = [
      ...paragraphs(req.description),
      paragraph(facts),
      {
        type: 'paragraph',
        content: /^https?:\/\//i.test(incidentUrl)
          ? [...text(`escalatord incident ${req.externalId}: `), ...link(incidentUrl, incidentUrl)]
          : text(`escalatord incident ${req.externalId}: ${incidentUrl}`),
      },
      heading(diag.truncated ? 'Diagnostics (truncated)' : 'Diagnostics'),
      codeBlock(diag.text),
    ];
    return doc(blocks);
  }
}

/**
 * A comment as ADF: a bold label `[escalatord] <Kind>`, then the body; a JSON body (diagnostics) goes in
 * a code block. The label is how its comment_created webhook is known for escalatord's own when Jira
 * shows no e-mail and selfAccountId is unset (domain/vendor-events.ts).
 */
export function commentDoc(body: string, kind: TicketCommentKind): AdfDoc {
  const trimmed = body.trim();
  const label = paragraph('', text(`${JIRA_COMMENT_MARK} ${KIND_LABELS[kind]}`, [{ type: 'strong' }]));
  if (/^[[{]/.test(trimmed)) {
    try {
      JSON.parse(trimmed);
      return doc([label, codeBlock(trimmed)]);
    } catch {
      // Not JSON after all; fall through to prose.
    }
  }
  return doc([label, ...paragraphs(body)]);
}
