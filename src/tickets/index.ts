// Picks the configured ticketing adapter; the composition root calls this once.
import type { TicketAdapter } from './adapter.js';
import { GenericTicketAdapter } from './generic.js';
import type { TicketAdapterDeps, TicketingConfig } from './http.js';
import { JiraTicketAdapter } from './jira.js';
import { ServiceNowTicketAdapter } from './servicenow.js';

export type { TicketAdapter, TicketCreateRequest, TicketCommentKind, CreatedTicket } from './adapter.js';
export type { TicketAdapterDeps } from './http.js';

export function createTicketAdapter(config: TicketingConfig, deps: Omit<TicketAdapterDeps, 'config'> = {}): TicketAdapter {
  const full: TicketAdapterDeps = { ...deps, config };
  switch (config.adapter) {
    case 'jira':
      return new JiraTicketAdapter(full);
    case 'servicenow':
      return new ServiceNowTicketAdapter(full);
    case 'generic':
      return new GenericTicketAdapter(full);
  }
}
