// The incident board: three lanes (L1, L2, L3/L4) of cards. Cards are kept per incident and rebuilt only
// when that incident changes, so a focused button survives unrelated updates; countdowns tick in place.

import { h, syncChildren } from './dom.js';
import { CLOCK_LABELS, STATUS_LABELS, clockTime, dateTime, slaView } from './format.js';
import { incidentsForLane } from './state.js';

const cache = new Map(); // incident id -> { key, el }

function ticketNode(ticket) {
  if (!ticket) return h('span', { class: 'muted' }, 'none');
  if (ticket.url && ticket.id) {
    return h('a', { href: ticket.url, target: '_blank', rel: 'noopener noreferrer' }, ticket.id);
  }
  if (ticket.id) return h('span', {}, ticket.id);
  return h('span', { class: ticket.state === 'failed' ? 'text-breach' : 'muted' }, ticket.state === 'failed' ? 'failed to send' : 'pending');
}

/**
 * The progress clock runs only while the vendor (L3/L4) holds an incident, from its acknowledgement: at
 * L1/L2 it is not shown at all, and at L3/L4 before acknowledgement it says what starts it.
 */
function shownClocks(incident) {
  const names = Object.keys(CLOCK_LABELS);
  const progress = incident.sla && incident.sla.progress;
  if (incident.level < 3 && (!progress || progress.state === 'stopped')) return names.filter((n) => n !== 'progress');
  return names;
}

function stoppedText(incident, name) {
  if (name === 'progress' && incident.level >= 3 && incident.status === 'open') return 'starts on acknowledgement';
  return undefined;
}

function slaList(incident, now) {
  if (!incident.sla) return null;
  const rows = shownClocks(incident).map((name) => {
    const clock = incident.sla[name];
    const view = slaView(clock, now, stoppedText(incident, name));
    if (!view) return null;
    return h('div', { class: `sla sla-${view.tone}`, dataset: { clock: name } },
      h('dt', {}, CLOCK_LABELS[name]),
      h('dd', {},
        h('time', { datetime: clock.dueAt || null, title: clock.dueAt ? `Due ${dateTime(clock.dueAt)}` : null }, view.text),
        h('span', { class: 'visually-hidden' }, ` (${view.label})`)));
  });
  return h('dl', { class: 'sla-list', 'aria-label': 'SLA clocks' }, rows);
}

function actionButtons(incident, ctx) {
  if (!ctx.mayActOn(incident.level)) return null;
  const buttons = [];
  const label = (verb) => `${verb} ${incident.id}`;
  if (incident.status === 'open') {
    buttons.push(h('button', { type: 'button', class: 'btn btn-primary', 'aria-label': label('Acknowledge'), dataset: { action: 'acknowledge', id: incident.id } }, 'Acknowledge'));
  }
  buttons.push(h('button', { type: 'button', class: 'btn', 'aria-label': label('Report progress on'), dataset: { action: 'progress', id: incident.id } }, 'Progress'));
  if (incident.level < 4) {
    buttons.push(h('button', { type: 'button', class: 'btn', 'aria-label': label('Escalate'), dataset: { action: 'escalate', id: incident.id } }, 'Escalate'));
  }
  return h('div', { class: 'card-actions' }, buttons);
}

function buildCard(incident, ctx, now) {
  const server = ctx.serverName(incident.serverId);
  const component = incident.component
    ? `${incident.component}${incident.componentKind ? ` (${incident.componentKind})` : ''}`
    : '—';
  // Recovery does not close the incident (the owner resolves it, or the auto-resolve window does), so say
  // plainly that the fault is gone while the card stays.
  const recovered = incident.recoveredAt
    ? h('p', { class: 'recovered' }, h('span', { 'aria-hidden': 'true' }, '✓ '),
      `Recovered at ${clockTime(incident.recoveredAt)}: the console reports it healthy again.`)
    : null;
  const step = incident.management && incident.management.step > 1
    ? h('p', { class: 'mgmt' }, `Management escalation: step ${incident.management.step}`)
    : null;
  return h('li', { class: `card prio-${String(incident.priority).toLowerCase()}`, dataset: { id: incident.id }, 'aria-labelledby': `t-${incident.id}` },
    h('div', { class: 'card-head' },
      h('span', { class: `badge prio prio-${String(incident.priority).toLowerCase()}`, title: `Priority ${incident.priority}` }, incident.priority),
      h('span', { class: 'inc-id' }, incident.id),
      h('span', { class: `pill status-${incident.status}` }, STATUS_LABELS[incident.status] || incident.status),
      incident.level === 4 ? h('span', { class: 'pill' }, 'L4') : null),
    h('h3', { class: 'card-title', id: `t-${incident.id}` }, incident.title),
    h('dl', { class: 'facts' },
      h('div', {}, h('dt', {}, 'Server'), h('dd', {}, server)),
      h('div', {}, h('dt', {}, 'Customer'), h('dd', {}, ctx.customerName(incident.customerId))),
      h('div', {}, h('dt', {}, 'Component'), h('dd', {}, component)),
      h('div', {}, h('dt', {}, 'Ticket'), h('dd', { dataset: { fact: 'ticket' } }, ticketNode(incident.ticket))),
      h('div', {}, h('dt', {}, 'Opened'), h('dd', {}, h('time', { datetime: incident.createdAt, title: dateTime(incident.createdAt) }, clockTime(incident.createdAt))))),
    recovered,
    slaList(incident, now),
    step,
    actionButtons(incident, ctx));
}

/** Renders every lane. `ctx`: { canAct, mayActOn(level), serverName(id), customerName(id) }. */
export function renderBoard(root, state, ctx, now) {
  const seen = new Set();
  for (const lane of [1, 2, 3]) {
    const list = root.querySelector(`ol[data-lane="${lane}"]`);
    const incidents = incidentsForLane(state, lane);
    const nodes = incidents.map((inc) => {
      seen.add(inc.id);
      const key = `${inc.updatedAt}|${inc.recoveredAt}|${inc.priority}|${inc.status}|${inc.level}|${ctx.mayActOn(inc.level)}|${ctx.serverName(inc.serverId)}|${JSON.stringify(inc.ticket)}|${JSON.stringify(inc.sla)}`;
      const cached = cache.get(inc.id);
      if (cached && cached.key === key) return cached.el;
      const el = buildCard(inc, ctx, now);
      cache.set(inc.id, { key, el });
      return el;
    });
    if (nodes.length === 0) nodes.push(emptyLane(lane));
    syncChildren(list, nodes);
    root.querySelector(`[data-count="${lane}"]`).textContent = String(incidents.length);
  }
  for (const id of cache.keys()) if (!seen.has(id)) cache.delete(id);
}

const empties = new Map();
function emptyLane(lane) {
  if (!empties.has(lane)) empties.set(lane, h('li', { class: 'empty' }, 'No open incidents'));
  return empties.get(lane);
}

/** Updates countdown text and colour in place, once a second, without rebuilding cards. */
export function tickCountdowns(root, state, now) {
  for (const row of root.querySelectorAll('.card .sla')) {
    const card = row.closest('.card');
    const incident = state.incidents.get(card.dataset.id);
    const clock = incident && incident.sla && incident.sla[row.dataset.clock];
    const view = slaView(clock, now, incident && stoppedText(incident, row.dataset.clock));
    if (!view) continue;
    row.className = `sla sla-${view.tone}`;
    const time = row.querySelector('time');
    if (time.textContent !== view.text) time.textContent = view.text;
    const sr = row.querySelector('.visually-hidden');
    if (sr.textContent !== ` (${view.label})`) sr.textContent = ` (${view.label})`;
  }
}
