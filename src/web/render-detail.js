// The incident detail panel (its own URL: #incident=INC-000042). Two parts: the facts (rebuilt whenever
// the incident changes; no text inputs there) and the action forms (rebuilt only when the set of actions
// changes, keeping whatever was typed), each form with its error line next to its button.

import { describeCalendar, inZone } from './calendar.js';
import { h, safeUrl } from './dom.js';
import { ticketLink, timeNode } from './widgets.js';
import { CLOCK_LABELS, STATUS_LABELS, slaView, when } from './format.js';
import { diagnosticsSection, section, timelineSection } from './render-history.js';
import { stoppedText } from './render-board.js';
import { lastEscalation } from './state.js';

export const ROOT_CAUSES = [
  ['server', 'Server (the Cloud Managed Server)'],
  ['client-device', 'Client device'],
  ['client-application', 'Client application'],
  ['lan', 'Local area network (LAN)'],
  ['internet-connection', 'Internet connection'],
  ['internet-service', 'Internet service'],
  ['configuration', 'Configuration'],
  ['other', 'Other'],
];

const LEVEL_NAMES = { 1: 'L1 — Service Provider, first line', 2: 'L2 — Service Provider, second line', 3: 'L3 — Vendor Support Team', 4: 'L4 — Vendor Support Team' };
const TICKET_STATES = { pending: 'being created', created: 'open at the vendor', failed: 'creation failed', resolved: 'resolved', missing: 'missing at the vendor' };

const errorKey = (incident, action, extra = '') => `${incident.id}/${action}${extra}`;

function errorLine(ctx, key) {
  const message = ctx.errors.get(key);
  return h('p', { class: 'form-error', role: 'alert', dataset: { errorFor: key }, hidden: !message }, message || '');
}

function fact(label, ...value) {
  return h('div', {}, h('dt', {}, label), h('dd', {}, ...value));
}

function ticketError(incident) {
  const t = incident.ticket || {};
  if (t.error) return String(t.error);
  const failed = [...(incident.timeline || [])].reverse().find((e) => e.action === 'ticket-failed');
  return failed && failed.note ? failed.note : null;
}

function ticketSection(incident, ctx) {
  const t = incident.ticket;
  if (!t) return section('Ticket', h('p', { class: 'muted' }, incident.level >= 3 ? 'No ticket yet.' : 'None: the incident is held by the Service Provider.'));
  const state = TICKET_STATES[t.state] || t.state;
  const failed = t.state === 'failed' || t.state === 'missing';
  const why = failed ? ticketError(incident) : null;
  const retry = failed && ctx.may('ticket.retry', incident)
    ? h('form', { class: 'inline-form', dataset: { action: 'ticket.retry' } },
      h('button', { type: 'submit', class: 'btn' }, 'Retry ticket creation'),
      errorLine(ctx, errorKey(incident, 'ticket.retry')))
    : null;
  return section('Ticket',
    h('dl', { class: 'facts' },
      fact('Ticket', ticketLink(t) || h('span', { class: 'muted' }, 'no id yet')),
      fact('State', h('span', { class: failed ? 'text-breach' : null, dataset: { ticketState: t.state } }, state)),
      t.adapter ? fact('System', t.adapter) : null),
    why ? h('p', { class: 'ticket-error text-breach' }, `Why: ${why}`) : null,
    retry);
}

function reporterSection(incident, ctx) {
  const r = incident.reporter;
  if (!r && !(incident.symptoms || []).length && !incident.requestType) return null;
  const customer = ctx.customer(incident.customerId);
  const contacts = customer && customer.authorisedContacts;
  const known = r && contacts ? contacts.find((c) => String(c.email).toLowerCase() === String(r.email).toLowerCase()) : null;
  const mail = r && /^[^\s@]+@[^\s@]+$/.test(r.email) ? safeUrl(`mailto:${r.email}`, ['mailto:']) : null;
  return section(incident.type === 'request' ? 'Request' : r ? 'Reported by' : 'Symptoms',
    r ? h('dl', { class: 'facts' },
      fact('Reporter', r.name),
      fact('E-mail', mail ? h('a', { href: mail }, r.email) : r.email),
      known && known.phone ? fact('Phone', known.phone) : null,
      contacts ? fact('Authority', known
        ? h('span', { class: 'text-ok' }, `✓ authorised contact of ${customer.name}`)
        : h('span', { class: 'text-breach' }, `✕ not on ${customer.name}'s authorised contacts`)) : null) : null,
    incident.requestType ? h('p', {}, h('strong', {}, 'Request type: '), incident.requestType) : null,
    (incident.symptoms || []).length
      ? h('div', {}, r ? h('h4', {}, 'Symptoms') : null, h('ul', { class: 'symptoms' }, incident.symptoms.map((s) => h('li', {}, s))))
      : null);
}

function clockRow(incident, name, ctx, calendarZone) {
  const clock = incident.sla && incident.sla[name];
  if (!clock) return null;
  const view = slaView(clock, ctx.now, stoppedText(incident, name, true));
  let due = null;
  if (clock.dueAt && (clock.state === 'running' || clock.state === 'at-risk' || (clock.state === 'breached' && !clock.metAt))) {
    due = h('span', { class: 'due' }, `due ${inZone(clock.dueAt, calendarZone)}`);
  } else if (clock.metAt) due = h('span', { class: 'due muted' }, `answered ${when(clock.metAt, ctx.now)}`);
  else if (clock.state === 'paused') due = h('span', { class: 'due muted' }, 'paused while awaiting the customer');
  return h('div', { class: `sla sla-${view.tone}`, dataset: { clock: name } },
    h('dt', {}, CLOCK_LABELS[name]),
    h('dd', {},
      h('time', { datetime: clock.dueAt || null }, view.text),
      h('span', { class: 'visually-hidden' }, ` (${view.label})`),
      due ? ' ' : null, due));
}

/** The zone to write due instants in: the calendar's, or for 24×7 (which has none) the browser's. */
function zoneOf(cal) {
  if (cal && !cal.builtIn && cal.timezone) return cal.timezone;
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

function slaSection(incident, ctx) {
  if (!incident.sla) return null;
  const policy = ctx.policy;
  const prio = policy && policy.priorities ? policy.priorities[incident.priority] : null;
  const calName = prio ? prio.calendar : null;
  const cal = calName && policy.calendars ? policy.calendars[calName] : null;
  const targets = prio
    ? `${incident.priority}: respond ${prio.respond.text}, progress every ${prio.progressEvery.text}, resolve ${prio.resolve.text}`
    : null;
  return section('SLA clocks',
    h('p', { class: 'calendar-note', dataset: { calendar: calName || '' } },
      cal ? describeCalendar(calName, cal, ctx.now) : 'The daemon did not describe its calendars; times below are in your browser\'s zone.'),
    targets ? h('p', { class: 'muted small' }, `${targets} (a “d” is a working day on the calendar).`) : null,
    h('dl', { class: 'sla-list sla-detail', dataset: { id: incident.id } }, ['response', 'progress', 'resolution'].map((n) => clockRow(incident, n, ctx, zoneOf(cal)))));
}

const REASONS = { 'sla-breach': 'SLA breached', complaint: 'complaint', 'no-progress': 'no progress within a working day', unacknowledged: 'not acknowledged within a working day' };

/** A step's contact as configuration names it; a step the daemon describes without a name says so. */
function contactOf(s) {
  const name = typeof s.contactName === 'string' ? s.contactName.trim() : '';
  if (name) return h('span', { class: 'muted' }, ` — ${name}`);
  return s.step > 1 && 'contactName' in s ? h('span', { class: 'muted mgmt-unnamed' }, ' — no contact named') : null;
}

function managementSection(incident, ctx) {
  const m = incident.management || { step: 1, history: [] };
  const steps = (ctx.policy && ctx.policy.management && ctx.policy.management.steps) || [
    { step: 1, title: 'Support Team' }, { step: 2, title: 'Head of Support' }, { step: 3, title: 'VP Customer Success' }, { step: 4, title: 'Chief Operations Architect' },
  ];
  const rows = steps.map((s) => {
    const record = [...(m.history || [])].reverse().find((r) => r.step === s.step);
    const current = m.step === s.step;
    let status;
    if (s.step === 1) status = h('span', { class: 'muted' }, current ? 'no management escalation' : 'passed to management');
    else if (!record) status = h('span', { class: 'muted' }, 'not notified');
    else {
      const ackKey = errorKey(incident, 'management.acknowledge', `/${s.step}`);
      status = [
        h('span', {}, `notified `, timeNode(record.at, ctx.now), ` — ${REASONS[record.reason] || record.reason}${record.attempts > 1 ? ` · ${record.attempts} attempts` : ''}`),
        record.acknowledgedAt
          ? h('span', { class: 'text-ok' }, ` · acknowledged${record.acknowledgedBy ? ` by ${record.acknowledgedBy}` : ''} `, timeNode(record.acknowledgedAt, ctx.now))
          : h('span', { class: 'text-breach' }, ' · not acknowledged'),
        !record.acknowledgedAt && ctx.may('management.acknowledge', incident)
          ? h('form', { class: 'inline-form', dataset: { action: 'management.acknowledge', step: s.step } },
            h('button', { type: 'submit', class: 'btn btn-small' }, `Acknowledge step ${s.step}`),
            errorLine(ctx, ackKey))
          : null,
      ];
    }
    return h('li', { class: `mgmt-step${current ? ' mgmt-current' : ''}`, dataset: { step: s.step } },
      h('span', { class: 'mgmt-title' }, `Step ${s.step}: ${s.title}`, contactOf(s)),
      h('span', { class: 'mgmt-status' }, status));
  });
  return section('Management path', h('ol', { class: 'mgmt-path' }, rows));
}

function serverFacts(incident, ctx) {
  const server = ctx.server(incident.serverId);
  const name = ctx.serverName(incident.serverId);
  const reach = server && !server.reachable
    ? h('span', { class: 'pill reach-down' }, '✕ unreachable')
    : null;
  return [name, name !== incident.serverId ? h('span', { class: 'muted' }, ` (${incident.serverId})`) : null, reach ? ' ' : null, reach];
}

/**
 * Rebuilds the facts of the panel: the summary above the actions (what it is, where, who escalated it)
 * and the sections below them. `ctx` is described in app.js (`detailCtx`).
 */
export function renderDetailFacts(summaryRoot, bodyRoot, incident, ctx) {
  const esc = lastEscalation(incident);
  const customer = ctx.customerName(incident.customerId);
  // replaceChildren would write a null as the text "null": leave the missing sections out.
  summaryRoot.replaceChildren(...[
    h('div', { class: 'detail-head' },
      h('span', { class: `badge prio prio-${String(incident.priority).toLowerCase()}` }, incident.priority),
      h('span', { class: 'inc-id' }, incident.id),
      h('span', { class: `pill status-${incident.status}` }, STATUS_LABELS[incident.status] || incident.status),
      h('span', { class: 'pill' }, `L${incident.level}`),
      h('span', { class: 'pill' }, incident.type === 'request' ? 'request' : 'fault')),
    h('h2', { id: 'detail-title', class: 'detail-title' }, incident.title),
    ctx.loadError ? h('p', { class: 'form-error' }, ctx.loadError) : null,
    h('dl', { class: 'facts facts-wide' },
      fact('Customer', customer, customer !== incident.customerId ? h('span', { class: 'muted' }, ` (${incident.customerId})`) : null),
      fact('Server', ...serverFacts(incident, ctx)),
      fact('Component', incident.component ? `${incident.component}${incident.componentKind ? ` (${incident.componentKind})` : ''}` : '—'),
      fact('Level', LEVEL_NAMES[incident.level] || `L${incident.level}`),
      fact('Opened', timeNode(incident.createdAt, ctx.now), incident.source ? h('span', { class: 'muted' }, ` · ${incident.source}`) : null),
      fact('Acknowledged', timeNode(incident.acknowledgedAt, ctx.now)),
      esc ? fact('Escalated', h('span', { class: 'escalation' }, `L${esc.from ?? '?'} → L${esc.to ?? '?'} by ${esc.by} `, timeNode(esc.at, ctx.now), esc.note ? ` — ${esc.note}` : '')) : null,
      incident.recoveredAt ? fact('Recovered', timeNode(incident.recoveredAt, ctx.now)) : null,
      incident.resolvedAt ? fact('Resolved', timeNode(incident.resolvedAt, ctx.now), incident.rootCause ? ` — root cause: ${incident.rootCause}` : '') : null),
  ].filter(Boolean));
  bodyRoot.replaceChildren(...[
    reporterSection(incident, ctx),
    slaSection(incident, ctx),
    ticketSection(incident, ctx),
    managementSection(incident, ctx),
    diagnosticsSection(incident, ctx),
    timelineSection(incident, ctx),
  ].filter(Boolean));
}

// ---- actions ---------------------------------------------------------------------------------------

/** Which forms the panel offers now, as a key: the forms are rebuilt only when this changes. */
export function actionsKey(incident, ctx) {
  return availableActions(incident, ctx).map((a) => a.action + (a.variant || '')).join('|');
}

function escalationNeedsNotes(incident, ctx) {
  return incident.type === 'fault' && incident.level === 2 && !ctx.softwareFailed(incident.serverId);
}

function availableActions(incident, ctx) {
  if (incident.status === 'resolved') return [];
  const out = [];
  const may = (a) => ctx.may(a, incident);
  if (incident.status === 'open' && may('acknowledge')) out.push({ action: 'acknowledge' });
  if (may('progress')) out.push({ action: 'progress' });
  if (incident.status !== 'open' && may('status')) out.push({ action: 'status', variant: incident.status });
  if (incident.level < 4 && may('escalate')) out.push({ action: 'escalate', variant: `${incident.level}${escalationNeedsNotes(incident, ctx) ? 'n' : ''}` });
  if (may('resolve')) out.push({ action: 'resolve' });
  if ((incident.management ? incident.management.step : 1) < 4 && may('complaint')) out.push({ action: 'complaint' });
  return out;
}

function submitRow(ctx, key, label, primary) {
  return h('div', { class: 'form-row' },
    h('button', { type: 'submit', class: `btn${primary ? ' btn-primary' : ''}` }, label),
    errorLine(ctx, key));
}

function buildForm(incident, a, ctx) {
  const id = incident.id;
  const key = errorKey(incident, a.action);
  const fid = (name) => `f-${a.action}-${name}`;
  switch (a.action) {
    case 'acknowledge':
      return h('form', { class: 'action-form', novalidate: true, dataset: { action: 'acknowledge' }, 'aria-label': `Acknowledge ${id}` },
        submitRow(ctx, key, 'Acknowledge', true));
    case 'progress':
      return h('form', { class: 'action-form', novalidate: true, dataset: { action: 'progress' }, 'aria-label': `Report progress on ${id}` },
        h('label', { for: fid('note') }, 'Progress note'),
        h('textarea', { id: fid('note'), name: 'note', rows: 2, required: true }),
        submitRow(ctx, key, 'Report progress'));
    case 'status': {
      const options = incident.status === 'awaiting-customer' ? [['in-progress', 'In progress (the clocks run again)']]
        : [['in-progress', 'In progress'], ['awaiting-customer', 'Awaiting customer (the clocks pause)']];
      return h('form', { class: 'action-form', novalidate: true, dataset: { action: 'status' }, 'aria-label': `Change the status of ${id}` },
        h('label', { for: fid('status') }, 'New status'),
        h('select', { id: fid('status'), name: 'status' }, options.map(([v, l]) => h('option', { value: v }, l))),
        submitRow(ctx, key, 'Set status'));
    }
    case 'escalate': {
      const to = incident.level + 1;
      const needsNotes = escalationNeedsNotes(incident, ctx);
      return h('form', { class: 'action-form', novalidate: true, dataset: { action: 'escalate' }, 'aria-label': `Escalate ${id}` },
        h('input', { type: 'hidden', name: 'toLevel', value: String(to) }),
        h('p', { class: 'small' }, `To ${LEVEL_NAMES[to]}.`,
          incident.type === 'fault' && incident.level === 2
            ? (needsNotes
              ? h('span', { class: 'muted' }, ' The console shows no software failure on this server: say how the fault was reproduced and isolated to the server.')
              : h('span', { class: 'muted' }, ' The console shows a software failure: escalate at once.'))
            : null),
        h('label', { for: fid('reason') }, 'Reason'),
        h('input', { id: fid('reason'), name: 'reason', type: 'text', list: 'escalate-reasons', autocomplete: 'off' }),
        h('label', { for: fid('notes') }, needsNotes ? 'Reproduction and isolation notes (required)' : 'Notes'),
        h('textarea', { id: fid('notes'), name: 'notes', rows: 3, required: needsNotes }),
        submitRow(ctx, key, `Escalate to L${to}`));
    }
    case 'resolve':
      return h('form', { class: 'action-form', novalidate: true, dataset: { action: 'resolve' }, 'aria-label': `Resolve ${id}` },
        h('label', { for: fid('root') }, 'Root cause'),
        h('select', { id: fid('root'), name: 'rootCause', required: true },
          h('option', { value: '' }, 'Choose where the fault lay…'),
          ROOT_CAUSES.map(([v, l]) => h('option', { value: v }, l))),
        h('label', { for: fid('note') }, 'Resolution note'),
        h('textarea', { id: fid('note'), name: 'note', rows: 2 }),
        submitRow(ctx, key, 'Resolve', true));
    case 'complaint': {
      const next = Math.max(2, ((incident.management && incident.management.step) || 1) + 1);
      const step = ctx.policy && ctx.policy.management ? (ctx.policy.management.steps || []).find((s) => s.step === next) : null;
      return h('form', { class: 'action-form', novalidate: true, dataset: { action: 'complaint' }, 'aria-label': `File a complaint about ${id}` },
        h('p', { class: 'muted small' }, `Unhappy with how the vendor handles it? A complaint goes to management step ${next}${step ? ` (${step.title})` : ''}.`),
        h('label', { for: fid('note') }, 'Complaint'),
        h('textarea', { id: fid('note'), name: 'note', rows: 2, required: true }),
        submitRow(ctx, key, 'File complaint'));
    }
    default:
      return null;
  }
}

const PANEL_LABELS = {
  progress: () => 'Report progress…',
  status: () => 'Change status…',
  escalate: (incident) => `Escalate to L${incident.level + 1}…`,
  resolve: () => 'Resolve…',
  complaint: () => 'File a complaint…',
};

/**
 * Rebuilds the action forms when the set of available actions changed since the last call, keeping
 * typed values; otherwise only refreshes the error lines. Returns true when it rebuilt.
 */
export function renderDetailActions(root, incident, ctx) {
  const key = `${incident.id}:${actionsKey(incident, ctx)}`;
  if (root.dataset.key === key) {
    for (const p of root.querySelectorAll('[data-error-for]')) {
      const message = ctx.errors.get(p.dataset.errorFor) || '';
      if (p.textContent !== message) p.textContent = message;
      p.hidden = !message;
    }
    return false;
  }
  const kept = new Map();
  if (root.dataset.key && root.dataset.key.startsWith(`${incident.id}:`)) {
    for (const el of root.querySelectorAll('input[name], textarea[name], select[name]')) {
      if (el.type !== 'hidden') kept.set(`${el.form && el.form.dataset.action}/${el.name}`, el.value);
    }
  }
  const open = new Set([...root.querySelectorAll('details[open]')].map((d) => d.dataset.panel));
  root.dataset.key = key;
  // Acknowledge is one click; every other action opens its form under the bar.
  const items = availableActions(incident, ctx).map((a) => {
    const form = buildForm(incident, a, ctx);
    if (!form || a.action === 'acknowledge') return form;
    const wasOpen = open.has(a.action) || Boolean(ctx.errors.get(errorKey(incident, a.action)));
    return h('details', { class: 'action', dataset: { panel: a.action }, open: wasOpen },
      h('summary', { class: 'btn btn-small' }, PANEL_LABELS[a.action](incident)),
      form);
  }).filter(Boolean);
  root.replaceChildren(...(items.length ? [h('h3', {}, 'Actions'), h('div', { class: 'action-bar' }, items)] : []));
  root.hidden = items.length === 0;
  for (const el of root.querySelectorAll('input[name], textarea[name], select[name]')) {
    const value = kept.get(`${el.form && el.form.dataset.action}/${el.name}`);
    if (value !== undefined && el.type !== 'hidden') el.value = value;
  }
  return true;
}

