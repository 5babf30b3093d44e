// The incidents, in triage order (breached, at risk, the rest by time to the breach), as three lanes of
// compact cards (L1, L2, L3/L4) or as a list of one row per incident. Cards and rows are kept per incident
// and rebuilt only when that incident changes, so a focused button survives unrelated updates; countdowns
// tick in place.

import { h, syncChildren } from './dom.js';
import { CLOCK_LABELS, STATUS_LABELS, slaView } from './format.js';
import { lastEscalation, laneOf } from './state.js';
import { nextBreach, offHoursNote, ticketSummary, timeNode } from './widgets.js';

const cards = new Map(); // incident id -> { key, el }
const rows = new Map();

const detailHref = (id) => `#incident=${encodeURIComponent(id)}`;

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

/**
 * Why a stopped clock is not running, in words: the progress clock runs only while the vendor holds the
 * incident, from its acknowledgement. `long` is the detail panel's wording, the short one fits a card.
 */
export function stoppedText(incident, name, long = false) {
  if (name !== 'progress') return undefined;
  if (incident.level < 3) return long ? 'runs only while the vendor holds it' : 'vendor only';
  if (incident.status === 'open') return long ? 'starts on acknowledgement' : 'after ack';
  return undefined;
}

const SHORT = { response: 'Resp', progress: 'Prog', resolution: 'Resolve' };

function slaChips(incident, now) {
  if (!incident.sla) return null;
  const items = shownClocks(incident).map((name) => {
    const clock = incident.sla[name];
    const view = slaView(clock, now, stoppedText(incident, name));
    if (!view) return null;
    return h('div', { class: `sla sla-${view.tone}`, dataset: { clock: name }, title: `${CLOCK_LABELS[name]}: ${view.label}` },
      h('dt', {}, SHORT[name]),
      h('dd', {},
        h('time', { datetime: clock.dueAt || null }, view.text),
        h('span', { class: 'visually-hidden' }, ` (${view.label})`)));
  });
  return h('dl', { class: 'sla-list', 'aria-label': 'SLA clocks' }, items);
}

function quickAck(incident, ctx) {
  if (incident.status !== 'open' || !ctx.may('acknowledge', incident)) return null;
  return h('button', { type: 'button', class: 'btn btn-small btn-primary', 'aria-label': `Acknowledge ${incident.id}`, dataset: { action: 'acknowledge', id: incident.id } }, 'Acknowledge');
}

function escalationNote(incident, now) {
  const esc = lastEscalation(incident);
  if (!esc) return null;
  return h('span', { class: 'escalation' }, `↑ L${esc.from ?? '?'}→L${esc.to ?? '?'} by ${esc.by} `, timeNode(esc.at, now));
}

/** The next breach; in the list the clock's name is left to the hover text, where space is short. */
function nextBreachNode(incident, now, withClock = true) {
  const nb = nextBreach(incident, now);
  return h('span', { class: `next-breach tone-${nb.tone}`, dataset: { nextBreach: incident.id }, title: nb.label },
    h('span', { class: 'nb-text' }, nb.text),
    withClock ? h('span', { class: 'nb-clock' }, ` ${nb.clock || ''}`) : null);
}

function buildCard(incident, ctx, now) {
  const component = incident.component ? `${incident.component}${incident.componentKind ? ` (${incident.componentKind})` : ''}` : null;
  const recovered = incident.recoveredAt
    ? h('p', { class: 'recovered' }, h('span', { 'aria-hidden': 'true' }, '✓ '), 'Recovered ', timeNode(incident.recoveredAt, now), ': the console reports it healthy again.')
    : null;
  const step = incident.management && incident.management.step > 1
    ? h('span', { class: 'mgmt' }, `Management step ${incident.management.step}`)
    : null;
  const ack = quickAck(incident, ctx);
  return h('li', { class: `card prio-${String(incident.priority).toLowerCase()}`, dataset: { id: incident.id }, 'aria-labelledby': `t-${incident.id}` },
    h('div', { class: 'card-head' },
      h('span', { class: `badge prio prio-${String(incident.priority).toLowerCase()}`, title: `Priority ${incident.priority}` }, incident.priority),
      h('a', { class: 'inc-id', href: detailHref(incident.id) }, incident.id),
      h('span', { class: `pill status-${incident.status}` }, STATUS_LABELS[incident.status] || incident.status),
      incident.level === 4 ? h('span', { class: 'pill' }, 'L4') : null,
      ack),
    h('h3', { class: 'card-title', id: `t-${incident.id}` }, h('a', { href: detailHref(incident.id), title: incident.title }, incident.title)),
    h('p', { class: 'card-meta' },
      h('span', { class: 'meta-server' }, ctx.serverName(incident.serverId)), ' · ',
      h('span', { class: 'meta-customer' }, ctx.customerName(incident.customerId)),
      component ? ` · ${component}` : null),
    h('div', { class: 'card-clocks' }, slaChips(incident, now), offHoursNote(incident, ctx.policy, now)),
    h('p', { class: 'card-foot' },
      h('span', {}, 'Opened ', timeNode(incident.createdAt, now)),
      incident.ticket || incident.level >= 3 ? h('span', {}, 'Ticket ', h('span', { dataset: { fact: 'ticket' } }, ticketSummary(incident.ticket))) : null,
      escalationNote(incident, now),
      step),
    recovered,
    ack ? h('p', { class: 'form-error', role: 'alert', dataset: { errorFor: `${incident.id}/acknowledge` }, hidden: true }) : null);
}

function buildRow(incident, ctx, now) {
  const ack = quickAck(incident, ctx);
  return h('tr', { class: `row prio-${String(incident.priority).toLowerCase()}`, dataset: { id: incident.id } },
    h('td', {}, h('span', { class: `badge prio prio-${String(incident.priority).toLowerCase()}` }, incident.priority)),
    h('td', { class: 'nowrap' }, h('a', { class: 'inc-id', href: detailHref(incident.id) }, incident.id)),
    h('td', { class: 'col-title' }, h('a', { href: detailHref(incident.id), title: incident.title }, incident.title)),
    h('td', { class: 'col-customer', title: ctx.customerName(incident.customerId) }, ctx.customerName(incident.customerId)),
    h('td', { class: 'col-server', title: incident.serverId }, ctx.serverName(incident.serverId)),
    h('td', {}, `L${incident.level}`),
    h('td', {}, h('span', { class: `pill status-${incident.status}` }, STATUS_LABELS[incident.status] || incident.status)),
    h('td', { class: 'nowrap' }, nextBreachNode(incident, now, false), ' ', offHoursNote(incident, ctx.policy, now, true)),
    h('td', { class: 'nowrap', dataset: { fact: 'ticket' } }, ticketSummary(incident.ticket)),
    h('td', { class: 'nowrap col-opened' }, timeNode(incident.createdAt, now)),
    h('td', { class: 'nowrap' }, ack, ack ? h('p', { class: 'form-error', role: 'alert', dataset: { errorFor: `${incident.id}/acknowledge` }, hidden: true }) : null));
}

function cacheKey(inc, ctx) {
  const last = inc.timeline && inc.timeline.length ? inc.timeline[inc.timeline.length - 1].at : '';
  return [inc.updatedAt, last, inc.recoveredAt, inc.priority, inc.status, inc.level, ctx.may('acknowledge', inc),
    ctx.serverName(inc.serverId), ctx.customerName(inc.customerId), JSON.stringify(inc.ticket), JSON.stringify(inc.sla), ctx.policyVersion].join('|');
}

function cached(cache, inc, ctx, now, build) {
  const key = cacheKey(inc, ctx);
  const hit = cache.get(inc.id);
  if (hit && hit.key === key) return hit.el;
  const el = build(inc, ctx, now);
  cache.set(inc.id, { key, el });
  return el;
}

function forget(cache, seen) {
  for (const id of cache.keys()) if (!seen.has(id)) cache.delete(id);
}

const empties = new Map();
function emptyItem(key, tag, text) {
  if (!empties.has(key)) empties.set(key, tag === 'tr' ? h('tr', { class: 'empty' }, h('td', { colspan: 11 }, text)) : h('li', { class: 'empty' }, text));
  return empties.get(key);
}

/**
 * Shows the board or the list. Called with the saved preferences as the page starts, before any data,
 * so a reload in list mode never flashes the board.
 */
export function showMode(root, mode) {
  // The list takes the whole width; consoles and the feed go below it.
  root.querySelector('.work').classList.toggle('mode-list', mode === 'list');
  root.querySelector('#board').hidden = mode !== 'board';
  root.querySelector('#list').hidden = mode !== 'list';
}

/**
 * Renders the incidents (already filtered and in triage order) into the board's lanes or the list.
 * `ctx`: { may(action, incident), serverName(id), customerName(id), policy, policyVersion, mode }.
 */
export function renderIncidents(root, incidents, ctx, now) {
  const board = root.querySelector('#board');
  const list = root.querySelector('#list');
  showMode(root, ctx.mode);
  const seen = new Set(incidents.map((i) => i.id));
  const empty = ctx.filtered ? 'No incident matches the filters' : 'No open incidents';
  if (ctx.mode === 'board') {
    for (const lane of [1, 2, 3]) {
      const inLane = incidents.filter((i) => laneOf(i) === lane);
      const nodes = inLane.map((inc) => cached(cards, inc, ctx, now, buildCard));
      if (nodes.length === 0) nodes.push(emptyItem(`${lane}/${empty}`, 'li', empty));
      syncChildren(board.querySelector(`ol[data-lane="${lane}"]`), nodes);
      board.querySelector(`[data-count="${lane}"]`).textContent = String(inLane.length);
    }
    forget(cards, seen);
  } else {
    const nodes = incidents.map((inc) => cached(rows, inc, ctx, now, buildRow));
    if (nodes.length === 0) nodes.push(emptyItem(`list/${empty}`, 'tr', empty));
    syncChildren(list.querySelector('tbody'), nodes);
    forget(rows, seen);
  }
}

/**
 * Updates countdown text and colour in place, once a second, without rebuilding cards, rows or the
 * detail. `lookup(id)` gives the incident a countdown belongs to.
 */
export function tickCountdowns(root, lookup, now) {
  for (const row of root.querySelectorAll('.sla[data-clock]')) {
    const owner = row.closest('[data-id]');
    const incident = owner && lookup(owner.dataset.id);
    const clock = incident && incident.sla && incident.sla[row.dataset.clock];
    const view = slaView(clock, now, incident && stoppedText(incident, row.dataset.clock, Boolean(row.closest('.sla-detail'))));
    if (!view) continue;
    const tone = `sla sla-${view.tone}`;
    if (row.className !== tone) row.className = tone;
    const time = row.querySelector('time');
    if (time.textContent !== view.text) time.textContent = view.text;
    const sr = row.querySelector('.visually-hidden');
    if (sr.textContent !== ` (${view.label})`) sr.textContent = ` (${view.label})`;
  }
  for (const el of root.querySelectorAll('[data-next-breach]')) {
    const incident = lookup(el.dataset.nextBreach);
    if (!incident) continue;
    const nb = nextBreach(incident, now);
    const tone = `next-breach tone-${nb.tone}`;
    if (el.className !== tone) el.className = tone;
    el.title = nb.label;
    const text = el.querySelector('.nb-text');
    if (text.textContent !== nb.text) text.textContent = nb.text;
    const clock = el.querySelector('.nb-clock');
    if (clock && clock.textContent !== ` ${nb.clock || ''}`) clock.textContent = ` ${nb.clock || ''}`;
  }
}
