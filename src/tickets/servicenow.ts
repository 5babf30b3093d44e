// ServiceNow over the Table API. The ticket id we hand back is the record's sys_id (what PATCH needs);
// the human-readable number (INC0010001) comes with it, kept on the incident's ticket: a Business Rule
// may name the record by its number alone. `correlation_id` carries the incident
// id, and `create` queries it first so a retried create finds the record instead of making a second.
import type { CreatedTicket, TicketAdapter, TicketCommentKind, TicketCreateRequest } from './adapter.js';
import { diagnosticsText } from '../domain/diagnostics-cap.js';
import { absoluteLink, authHeader, badResponse, createTicketHttp, type TicketAdapterDeps, type TicketHttp } from './http.js';
import { TicketError } from './ticket-error.js';

/** ServiceNow derives priority from impact x urgency (1 = high): 1/1 → 1 Critical, 1/2 → 2 High, 2/2 → 3, 2/3 → 4. */
export const SERVICENOW_IMPACT_URGENCY: Record<TicketCreateRequest['priority'], { impact: string; urgency: string }> = {
  P1: { impact: '1', urgency: '1' },
  P2: { impact: '1', urgency: '2' },
  P3: { impact: '2', urgency: '2' },
  P4: { impact: '2', urgency: '3' },
};
/** The out-of-the-box resolution code for a fix delivered by the support team. */
export const SERVICENOW_CLOSE_CODE = 'Solution provided';
// The stock `description` column holds 4,000 characters; short_description 160.
const DESCRIPTION_MAX = 4000;
const SHORT_DESCRIPTION_MAX = 160;

interface TableRecord {
  sys_id?: string;
  number?: string;
}

export class ServiceNowTicketAdapter implements TicketAdapter {
  readonly name = 'servicenow' as const;
  private readonly http: TicketHttp;
  private readonly table: string;

  constructor(private readonly deps: TicketAdapterDeps) {
    this.http = createTicketHttp(deps, 'servicenow', authHeader(deps.config));
    this.table = encodeURIComponent(deps.config.servicenow.table);
  }

  async create(req: TicketCreateRequest, idempotencyKey: string): Promise<CreatedTicket> {
    const existing = await this.findByCorrelation(idempotencyKey);
    if (existing) return existing;
    const { impact, urgency } = SERVICENOW_IMPACT_URGENCY[req.priority];
    const res = await this.http.send<{ result?: TableRecord }>({
      method: 'POST',
      url: `/api/now/table/${this.table}`,
      data: {
        short_description: req.title.replace(/\s+/g, ' ').trim().slice(0, SHORT_DESCRIPTION_MAX),
        description: this.describe(req),
        impact,
        urgency,
        correlation_id: idempotencyKey,
        correlation_display: 'escalatord',
      },
    });
    const sysId = res.data?.result?.sys_id;
    if (typeof sysId !== 'string' || sysId === '') throw badResponse('ServiceNow created a record but returned no sys_id', res.status);
    return this.created(sysId, res.data?.result?.number);
  }

  async comment(ticketId: string, body: string, kind: TicketCommentKind): Promise<void> {
    await this.patch(ticketId, { work_notes: `[${kind}] ${body}` });
  }

  /** Idempotent by nature: setting the same state and notes twice leaves the record the same. */
  async resolve(ticketId: string, note: string, rootCause: string | null): Promise<void> {
    await this.patch(ticketId, {
      state: this.deps.config.servicenow.resolvedState,
      close_code: SERVICENOW_CLOSE_CODE,
      close_notes: rootCause ? `${note}\n\nRoot cause: ${rootCause}` : note,
    });
  }

  private async patch(sysId: string, data: Record<string, string>): Promise<void> {
    await this.http.send({ method: 'PATCH', url: `/api/now/table/${this.table}/${encodeURIComponent(sysId)}`, data });
  }

  private async findByCorrelation(correlationId: string): Promise<CreatedTicket | null> {
    // `^` separates encoded-query terms; an id containing it could widen the query to someone else's record.
    if (correlationId.includes('^')) {
      throw new TicketError('client-error', 'an incident id containing "^" cannot be used as a ServiceNow correlation_id', { retryable: false });
    }
    const res = await this.http.send<{ result?: TableRecord[] }>({
      method: 'GET',
      url: `/api/now/table/${this.table}`,
      params: { sysparm_query: `correlation_id=${correlationId}`, sysparm_fields: 'sys_id,number', sysparm_limit: '1' },
    });
    if (!Array.isArray(res.data?.result)) throw badResponse('ServiceNow query answered without a result list', res.status);
    const sysId = res.data.result[0]?.sys_id;
    return sysId ? this.created(sysId, res.data.result[0]?.number) : null;
  }

  private created(sysId: string, number: unknown): CreatedTicket {
    return { id: sysId, ...(typeof number === 'string' && number !== '' ? { number } : {}), url: this.recordUrl(sysId) };
  }

  private recordUrl(sysId: string): string {
    return `${this.http.baseUrl}/${this.table}.do?sys_id=${encodeURIComponent(sysId)}`;
  }

  private describe(req: TicketCreateRequest): string {
    const head = [
      req.description,
      '',
      `Priority: ${req.priority}   Level: L${req.level}`,
      `Server: ${req.serverId}   Customer: ${req.customerId}${req.component ? `   Component: ${req.component}` : ''}`,
      `escalatord incident ${req.externalId}: ${absoluteLink(req.links.incident, this.deps.publicUrl)}`,
      '',
    ].join('\n');
    const room = DESCRIPTION_MAX - head.length - 40;
    if (room < 256) return head.slice(0, DESCRIPTION_MAX);
    const diag = diagnosticsText(req.diagnostics, Math.min(this.deps.config.diagnosticsMaxBytes, room));
    return `${head}Diagnostics${diag.truncated ? ' (truncated)' : ''}:\n${diag.text}`;
  }
}
