// The generic adapter: the small REST contract of DESIGN §6, served by the built-in ticketing simulator
// and easy to put in front of any in-house system.
import type { CreatedTicket, TicketAdapter, TicketCommentKind, TicketCreateRequest } from './adapter.js';
import { capDiagnostics } from '../domain/diagnostics-cap.js';
import { absoluteLink, authHeader, badResponse, createTicketHttp, type TicketAdapterDeps, type TicketHttp } from './http.js';

export class GenericTicketAdapter implements TicketAdapter {
  readonly name = 'generic' as const;
  private readonly http: TicketHttp;

  constructor(private readonly deps: TicketAdapterDeps) {
    this.http = createTicketHttp(deps, 'generic', authHeader(deps.config));
  }

  async create(req: TicketCreateRequest, idempotencyKey: string): Promise<CreatedTicket> {
    const body = {
      externalId: req.externalId,
      title: req.title,
      priority: req.priority,
      level: req.level,
      serverId: req.serverId,
      customerId: req.customerId,
      component: req.component,
      description: req.description,
      diagnostics: capDiagnostics(req.diagnostics, this.deps.config.diagnosticsMaxBytes).data,
      links: { incident: absoluteLink(req.links.incident, this.deps.publicUrl) },
    };
    const res = await this.http.send<{ id?: unknown; url?: unknown }>({
      method: 'POST',
      url: '/tickets',
      headers: { 'Idempotency-Key': idempotencyKey },
      data: body,
    });
    const id = res.data?.id;
    if ((typeof id !== 'string' || id === '') && typeof id !== 'number') {
      throw badResponse('POST /tickets answered without a ticket id', res.status);
    }
    const url = typeof res.data.url === 'string' && res.data.url !== '' ? res.data.url : null;
    return { id: String(id), url };
  }

  async comment(ticketId: string, body: string, kind: TicketCommentKind): Promise<void> {
    await this.http.send({ method: 'POST', url: `/tickets/${encodeURIComponent(ticketId)}/comments`, data: { body, kind } });
  }

  async resolve(ticketId: string, note: string, rootCause: string | null): Promise<void> {
    await this.http.send({ method: 'POST', url: `/tickets/${encodeURIComponent(ticketId)}/resolve`, data: { note, rootCause } });
  }
}
