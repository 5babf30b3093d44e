// The Microsoft Teams payload: a message with one Adaptive Card attachment, the shape a Teams Workflows
// "When a Teams webhook request is received" trigger (and the older incoming webhook) posts to a channel:
// {"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive",
// "contentUrl":null,"content":{"type":"AdaptiveCard","version":"1.4",…}}]}. Workflows accept Adaptive
// Cards only (no MessageCard) and cap a message at 28 KB, so every text field is clipped.
import type { NotificationMessage } from './message.js';
import { formatInstant, messageFacts, safeLink } from './templates.js';

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';
export const ADAPTIVE_CARD_SCHEMA = 'http://adaptivecards.io/schemas/adaptive-card.json';
export const ADAPTIVE_CARD_VERSION = '1.4';
const TEXT_MAX = 2_000;

export interface TeamsMessage {
  type: 'message';
  attachments: Array<{
    contentType: typeof ADAPTIVE_CARD_CONTENT_TYPE;
    contentUrl: null;
    content: AdaptiveCard;
  }>;
}

export interface AdaptiveCard {
  $schema: typeof ADAPTIVE_CARD_SCHEMA;
  type: 'AdaptiveCard';
  version: typeof ADAPTIVE_CARD_VERSION;
  body: Array<Record<string, unknown>>;
  actions?: Array<{ type: 'Action.OpenUrl'; title: string; url: string }>;
  msteams?: { width: 'Full' };
}

/**
 * TextBlocks and fact values render a Markdown subset: the characters that make links, emphasis and code
 * are escaped, so an incident title such as `[click](https://evil.example)` shows as written instead of
 * becoming a link. (Only those: every escape shows as a backslash in clients that render plain text.)
 */
export function escapeCardMarkdown(value: string): string {
  const clipped = value.length > TEXT_MAX ? `${value.slice(0, TEXT_MAX - 1)}…` : value;
  return clipped.replace(/[\\`*_[\]~]/g, (c) => `\\${c}`);
}

const HEADINGS: Record<NotificationMessage['kind'], { label: string; color: 'Attention' | 'Warning' }> = {
  'management.escalated': { label: 'Management escalation', color: 'Attention' },
  'sla.warning': { label: 'SLA warning', color: 'Warning' },
  'sla.breached': { label: 'SLA breached', color: 'Attention' },
};

export function teamsCard(m: NotificationMessage): TeamsMessage {
  const heading = HEADINGS[m.kind];
  const link = safeLink(m.link);
  const subtitle = m.sla ? `${m.sla.clock} ${m.sla.state}, due ${formatInstant(m.sla.dueAt)}` : `${m.priority}, level ${m.level}`;
  const card: AdaptiveCard = {
    $schema: ADAPTIVE_CARD_SCHEMA,
    type: 'AdaptiveCard',
    version: ADAPTIVE_CARD_VERSION,
    msteams: { width: 'Full' },
    body: [
      { type: 'TextBlock', text: escapeCardMarkdown(`${heading.label}: ${m.incidentId}`), weight: 'Bolder', size: 'Medium', color: heading.color, wrap: true },
      { type: 'TextBlock', text: escapeCardMarkdown(m.incidentTitle), weight: 'Bolder', wrap: true },
      { type: 'TextBlock', text: escapeCardMarkdown(subtitle), isSubtle: true, spacing: 'None', wrap: true },
      { type: 'TextBlock', text: escapeCardMarkdown(m.text), wrap: true },
      { type: 'FactSet', facts: messageFacts(m).map(([title, value]) => ({ title: escapeCardMarkdown(title), value: escapeCardMarkdown(value) })) },
    ],
  };
  if (link) card.actions = [{ type: 'Action.OpenUrl', title: `Open ${m.incidentId}`, url: link }];
  return { type: 'message', attachments: [{ contentType: ADAPTIVE_CARD_CONTENT_TYPE, contentUrl: null, content: card }] };
}
