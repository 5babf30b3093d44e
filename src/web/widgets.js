// Small pieces shared by the board, the list and the detail panel: a time with its date and age, a
// ticket link that is a link only for http(s), and the "next breach" summary of an incident.

import { describeCalendar, calendarStatus } from './calendar.js';
import { h, safeUrl } from './dom.js';
import { CLOCK_LABELS, dateTime, duration, when } from './format.js';
import { urgency } from './state.js';

/** A time with its date and age; the full instant on hover; the age is refreshed by `tickAges`. */
export function timeNode(iso, now) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  return h('time', { datetime: iso, title: dateTime(iso), dataset: { since: iso } }, when(iso, now));
}

/** Rewrites every age on the page; cheap, so it runs on a timer without touching anything else. */
export function tickAges(root, now) {
  for (const el of root.querySelectorAll('time[data-since]')) {
    const text = when(el.dataset.since, now);
    if (el.textContent !== text) el.textContent = text;
  }
}

/** A ticket link only for http(s): a `javascript:` URL from the ticketing system stays plain text. */
export function ticketLink(ticket) {
  const href = ticket && ticket.id ? safeUrl(ticket.url) : null;
  if (href) return h('a', { href, target: '_blank', rel: 'noopener noreferrer', class: 'ticket-link' }, ticket.id);
  if (ticket && ticket.id) {
    return h('span', { class: 'ticket-id', title: ticket.url ? 'The ticketing system gave a link that is not http or https; it is not offered' : null }, ticket.id);
  }
  return null;
}

/** A ticket's place on a card or a row: link, id, or why there is none. */
export function ticketSummary(ticket) {
  if (!ticket) return h('span', { class: 'muted' }, 'none');
  const link = ticketLink(ticket);
  if (ticket.state === 'failed') return h('span', { class: 'text-breach', title: ticket.error ? `Creation failed: ${ticket.error}` : 'Creation failed' }, link || '', link ? ' (failed)' : 'failed');
  if (ticket.state === 'missing') return h('span', { class: 'text-breach' }, link || '', ' missing at the vendor');
  return link || h('span', { class: 'muted' }, 'pending');
}

/** What the next breach of an incident looks like at `now`: `{ tone, text, label, clock }`. */
export function nextBreach(incident, now) {
  const u = urgency(incident, now);
  const clock = u.clock ? CLOCK_LABELS[u.clock].toLowerCase() : null;
  if (u.rank === 0) return { tone: 'breach', text: `✕ ${duration(now - u.dueAt)} over`, label: `${clock} breached`, clock };
  if (u.rank === 1) return { tone: 'warn', text: `⚠ ${duration(u.dueAt - now)} left`, label: `${clock} at risk`, clock };
  if (u.rank === 2) return { tone: 'ok', text: `${duration(u.dueAt - now)} left`, label: `${clock} on track`, clock };
  const paused = incident.sla && Object.values(incident.sla).some((c) => c && c.state === 'paused');
  return { tone: 'paused', text: paused ? 'paused' : '— none running', label: paused ? 'clocks paused (awaiting customer)' : 'no clock running', clock: null };
}

/**
 * When the incident's calendar is out of hours now, a short note for a card ("off hours until Mon
 * 09:00") with the whole sentence on hover; null in working time or without the policy.
 */
export function offHoursNote(incident, policy, now, short = false) {
  const prio = policy && policy.priorities ? policy.priorities[incident.priority] : null;
  const cal = prio && policy.calendars ? policy.calendars[prio.calendar] : null;
  if (!cal) return null;
  const status = calendarStatus(cal, now);
  if (status.working) return null;
  const sentence = describeCalendar(prio.calendar, cal, now);
  const resumes = sentence.includes('resumes ') ? sentence.slice(sentence.indexOf('resumes ') + 8) : '';
  return h('span', { class: 'off-hours', title: sentence }, short || !resumes ? 'off hours' : `off hours until ${resumes}`);
}
