// One template per message kind, each rendering a subject, a plain-text body and an HTML body from the
// same facts. Everything that comes from data (titles, names, ids, the lead's text) is HTML-escaped in
// the HTML body, and the link becomes an anchor only when it is http(s).
import type { NotificationKind, NotificationMessage } from './message.js';

export interface RenderedMessage {
  subject: string;
  text: string;
  html: string;
}

interface Template {
  subject(m: NotificationMessage): string;
  /** The opening line above the lead's text. */
  headline(m: NotificationMessage): string;
}

const SUBJECT_MAX = 200;
const FIELD_MAX = 2_000;

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for an HTML element body or a double- or single-quoted attribute. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/** `2026-11-25T14:00:00.000Z` → `2026-11-25 14:00 UTC`; anything unparseable is shown as given. */
export function formatInstant(iso: string | null | undefined): string {
  if (!iso) return 'not set';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return `${new Date(t).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Mail headers and card titles are one line: a newline in data must not start a header of its own. */
function oneLine(value: string, max: number): string {
  const flat = value.replace(/[\r\n\t\u2028\u2029]+/g, ' ').replace(/\s{2,}/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function clip(value: string): string {
  return value.length > FIELD_MAX ? `${value.slice(0, FIELD_MAX - 1)}…` : value;
}

function clockName(clock: string): string {
  return clock === 'response' ? 'response' : clock === 'progress' ? 'progress update' : clock === 'resolution' ? 'resolution' : clock;
}

const TEMPLATES: Record<NotificationKind, Template> = {
  'management.escalated': {
    subject: (m) => `[${m.priority}] ${m.incidentId} escalated to ${m.contact?.title ?? 'management'}${m.step !== undefined ? ` (management step ${m.step})` : ''}: ${m.incidentTitle}`,
    headline: (m) => m.contact
      ? `${m.contact.name}, incident ${m.incidentId} has been escalated to you as ${m.contact.title}${m.step !== undefined ? ` (step ${m.step} of the management path)` : ''}.`
      : `Incident ${m.incidentId} has been escalated on the management path${m.step !== undefined ? ` (step ${m.step})` : ''}.`,
  },
  'sla.warning': {
    subject: (m) => `[${m.priority}] SLA warning: ${m.incidentId} ${clockName(m.sla?.clock ?? 'SLA')} due ${formatInstant(m.sla?.dueAt)}`,
    headline: (m) => `The ${clockName(m.sla?.clock ?? 'SLA')} target of incident ${m.incidentId} is due ${formatInstant(m.sla?.dueAt)} and has not been met yet.`,
  },
  'sla.breached': {
    subject: (m) => `[${m.priority}] SLA breached: ${m.incidentId} ${clockName(m.sla?.clock ?? 'SLA')} was due ${formatInstant(m.sla?.dueAt)}`,
    headline: (m) => `The ${clockName(m.sla?.clock ?? 'SLA')} target of incident ${m.incidentId} was due ${formatInstant(m.sla?.dueAt)} and has been missed.`,
  },
};

/** The facts every kind shows, in order: label and value. */
export function messageFacts(m: NotificationMessage): Array<[string, string]> {
  const facts: Array<[string, string]> = [
    ['Incident', `${m.incidentId}: ${m.incidentTitle}`],
    ['Customer', m.customerName ? `${m.customerName} (${m.customerId})` : m.customerId],
    ['Server', m.serverId],
    ['Priority', m.priority],
    ['Level', `L${m.level}`],
  ];
  if (m.sla) facts.push(['SLA', `${clockName(m.sla.clock)} ${m.sla.state}, due ${formatInstant(m.sla.dueAt)}`]);
  if (m.contact) {
    const reach = [m.contact.email, m.contact.phone].filter((x): x is string => Boolean(x)).join(', ');
    facts.push(['Contact', `${m.contact.title}: ${m.contact.name}${reach ? ` (${reach})` : ''}`]);
  }
  return facts.map(([k, v]) => [k, clip(v)]);
}

/** Only absolute http(s) links are offered as links; anything else is shown as text. */
export function safeLink(link: string): string | null {
  try {
    const url = new URL(link);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString() : null;
  } catch {
    return null;
  }
}

export function renderMessage(m: NotificationMessage): RenderedMessage {
  const template = TEMPLATES[m.kind];
  if (!template) throw new Error(`no template for notification kind ${String(m.kind)}`);
  const headline = clip(template.headline(m));
  const body = clip(m.text);
  const facts = messageFacts(m);
  const link = safeLink(m.link);
  const width = Math.max(...facts.map(([k]) => k.length)) + 2;

  const text = [
    headline,
    '',
    body,
    '',
    ...facts.map(([k, v]) => `${`${k}:`.padEnd(width)}${v}`),
    '',
    `Open the incident: ${link ?? m.link}`,
    '',
    '-- ',
    'escalatord',
    '',
  ].join('\n');

  const rows = facts
    .map(([k, v]) => `<tr><th align="left" style="padding:2px 12px 2px 0;vertical-align:top">${escapeHtml(k)}</th><td style="padding:2px 0">${escapeHtml(v)}</td></tr>`)
    .join('\n');
  const linkHtml = link ? `<a href="${escapeHtml(link)}">Open ${escapeHtml(m.incidentId)} in the dashboard</a>` : escapeHtml(m.link);
  const html = [
    '<!DOCTYPE html>',
    '<html><head><meta charset="utf-8"><title>' + escapeHtml(oneLine(template.subject(m), SUBJECT_MAX)) + '</title></head>',
    '<body style="font-family:sans-serif;font-size:14px;line-height:1.4">',
    `<p><strong>${escapeHtml(headline)}</strong></p>`,
    `<p>${escapeHtml(body).replace(/\r?\n/g, '<br>')}</p>`,
    `<table>\n${rows}\n</table>`,
    `<p>${linkHtml}</p>`,
    '<p style="color:#666">escalatord</p>',
    '</body></html>',
    '',
  ].join('\n');

  return { subject: oneLine(template.subject(m), SUBJECT_MAX), text, html };
}
