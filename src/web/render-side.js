// Servers grouped by customer, console health and the live feed. These are cheap to rebuild whole and
// hold no focusable controls, so they are simply re-rendered when their part of the state changes.

import { h } from './dom.js';
import { COMPONENT_ICONS, dateTime, eventText, eventTone, when } from './format.js';
import { timeNode } from './widgets.js';

const STATUS_RANK = { failed: 0, degraded: 1, unknown: 2, ok: 3 };

function serverRank(s) {
  if (!s.reachable) return -1;
  return Math.min(3, ...s.components.map((c) => STATUS_RANK[c.status] ?? 2));
}

function componentItem(c) {
  const status = c.status || 'unknown';
  return h('li', { class: `comp comp-${status}`, title: c.message || null },
    h('span', { class: 'comp-icon', 'aria-hidden': 'true' }, COMPONENT_ICONS[status] || '?'),
    h('span', { class: 'comp-name', title: c.name }, c.name),
    h('span', { class: 'comp-status' }, status),
    c.kind === 'hardware' ? h('span', { class: 'comp-kind' }, 'hw') : null);
}

/**
 * A server with a problem shows its problem components; healthy ones fold into one line that opens on
 * demand. An unreachable server says that its components are unknown and lists what was last reported,
 * never "all ok": the console cannot see them.
 */
function serverCard(s, now) {
  const comps = [...s.components].sort((a, b) =>
    (STATUS_RANK[a.status] ?? 2) - (STATUS_RANK[b.status] ?? 2) || a.name.localeCompare(b.name));
  const list = (items, label, extra = '') => h('ul', { class: `comps${extra}`, 'aria-label': label }, items.map(componentItem));
  let body;
  if (!s.reachable) {
    body = [
      h('p', { class: 'small unknown-note' }, 'Component states unknown while the console cannot reach it.'),
      comps.length
        ? h('details', { class: 'comps-last' },
          h('summary', {}, `Last reported (${comps.length})`),
          list(comps, `Last reported components of ${s.name}`, ' comps-stale'))
        : null,
    ];
  } else {
    const problems = comps.filter((c) => c.status !== 'ok');
    const healthy = comps.filter((c) => c.status === 'ok');
    if (comps.length === 0) body = h('p', { class: 'muted small' }, 'No components reported');
    else {
      const okLine = problems.length ? `${healthy.length} more ok` : `All ${healthy.length} components ok`;
      body = [
        problems.length ? list(problems, `Components of ${s.name} with a problem`) : null,
        healthy.length
          ? h('details', { class: 'comps-ok' },
            h('summary', {}, h('span', { class: 'comp-icon', 'aria-hidden': 'true' }, '✓'), ` ${okLine}`),
            list(healthy, `Healthy components of ${s.name}`))
          : null,
      ];
    }
  }
  const problems = s.components.filter((c) => c.status !== 'ok');
  const tone = !s.reachable ? ' server-down' : problems.some((c) => c.status === 'failed') ? ' server-problem' : problems.length ? ' server-warn' : '';
  return h('li', { class: `server${tone}`, dataset: { id: s.id } },
    h('div', { class: 'server-head' },
      h('span', { class: 'server-name', title: s.name }, s.name),
      s.reachable ? null : h('span', { class: 'pill reach-down' }, '✕ unreachable')),
    h('span', { class: 'server-id muted' }, s.id,
      !s.reachable && s.reachableSince ? h('span', {}, ' · since ', timeNode(s.reachableSince, now)) : null),
    body);
}

const healthy = (s) => s.reachable && s.components.every((c) => c.status === 'ok');

/** A healthy server is one chip: its name, with its id and component count on hover. */
function serverChip(s) {
  return h('li', { class: 'server server-chip', dataset: { id: s.id }, title: `${s.id} · all ${s.components.length} components ok` },
    h('span', { class: 'comp-icon', 'aria-hidden': 'true' }, '✓'), ` ${s.name}`);
}

export function renderServers(root, summary, state, customerName, now) {
  const byCustomer = new Map();
  for (const s of state.servers.values()) {
    if (!byCustomer.has(s.customerId)) byCustomer.set(s.customerId, []);
    byCustomer.get(s.customerId).push(s);
  }
  const groups = [...byCustomer.entries()].sort((a, b) => customerName(a[0]).localeCompare(customerName(b[0])));
  const sections = groups.map(([customerId, servers]) => {
    servers.sort((a, b) => serverRank(a) - serverRank(b) || a.name.localeCompare(b.name));
    const down = servers.filter((s) => !s.reachable).length;
    return h('section', { class: 'customer', 'aria-label': `Customer ${customerName(customerId)}` },
      h('h3', { class: 'customer-title' }, customerName(customerId),
        h('span', { class: 'muted small' }, ` · ${servers.length} server${servers.length === 1 ? '' : 's'}${down ? ` · ${down} unreachable` : ''}`)),
      h('ul', { class: 'server-grid' }, servers.filter((s) => !healthy(s)).map((s) => serverCard(s, now))),
      servers.some(healthy) ? h('ul', { class: 'server-chips', 'aria-label': `Healthy servers of ${customerName(customerId)}` }, servers.filter(healthy).map(serverChip)) : null);
  });
  root.replaceChildren(...(sections.length ? sections : [h('p', { class: 'muted' }, 'No servers reported yet.')]));

  const all = [...state.servers.values()];
  const unreachable = all.filter((s) => !s.reachable).length;
  const failed = all.reduce((n, s) => n + s.components.filter((c) => c.status === 'failed').length, 0);
  const degraded = all.reduce((n, s) => n + s.components.filter((c) => c.status === 'degraded').length, 0);
  const counts = state.serverCounts;
  // A large fleet's snapshot lists only servers with a problem; say so rather than under-count.
  const total = counts && counts.total > counts.listed ? `${counts.total} servers (showing ${all.length} with a problem)` : `${all.length} servers`;
  summary.textContent = `${total} · ${unreachable} unreachable · ${failed} failed · ${degraded} degraded components`;
}

export function renderConsoles(root, state, now) {
  const items = [...state.consoles.values()].sort((a, b) => String(a.id).localeCompare(String(b.id)));
  root.replaceChildren(...(items.length ? items.map((c) => consoleItem(c, now)) : [h('li', { class: 'muted' }, 'No consoles configured')]));
}

/**
 * One console: up, down (with the reason) or not yet polled. The daemon sends an event only when a
 * console goes up or down, so the line says since when it is in that state rather than a poll time
 * that would silently go stale.
 */
function consoleItem(c, now) {
  const pill = c.up === true
    ? h('span', { class: 'pill reach-ok' }, '● up')
    : c.up === false
      ? h('span', { class: 'pill reach-down' }, '✕ down')
      : h('span', { class: 'pill' }, '… first poll');
  const detail = [
    typeof c.servers === 'number' && c.servers > 0 ? `${c.servers} servers` : null,
    c.changedAt ? `${c.up ? 'up' : 'down'} since ${when(c.changedAt, now)}` : null,
  ].filter(Boolean).join(' · ');
  const title = c.changedAt ? dateTime(c.changedAt) : c.lastPollAt ? `Last poll before connecting: ${dateTime(c.lastPollAt)}` : null;
  return h('li', { class: 'console' },
    h('span', { class: 'console-id' }, c.id),
    pill,
    detail ? h('span', { class: 'muted small', title }, detail) : null,
    c.up === false && c.lastError ? h('span', { class: 'console-error small text-breach' }, c.lastError) : null);
}

/**
 * An incident.updated that records a new ticket, an SLA warning or breach, or a management step says what
 * the ticket.created, sla.* or management.escalated event next to it says: one line is enough.
 */
const TOLD_ELSEWHERE = new Set(['ticket-created', 'sla.warning', 'sla.breached', 'management-escalated']);
function worthALine(e) {
  if (e.type !== 'incident.updated' || !e.data || !e.data.incident) return true;
  const timeline = e.data.incident.timeline || [];
  const last = timeline[timeline.length - 1];
  return !(last && TOLD_ELSEWHERE.has(last.action));
}

const incidentOf = (e) => (e.data && (e.data.incidentId || (e.data.incident && e.data.incident.id))) || null;

export function renderFeed(root, state, serverName, customerName, now) {
  const lines = state.feed.filter(worthALine);
  root.replaceChildren(...(lines.length ? lines.map((e) => h('li', { class: `feed-item tone-${eventTone(e.type, e.data)}`, dataset: { seq: e.seq ?? '' } },
    timeNode(e.at, now),
    h('span', { class: 'feed-type' }, e.type),
    h('span', { class: 'feed-text' }, eventText(e.type, e.data, serverName, customerName),
      incidentOf(e) ? h('a', { class: 'feed-open', href: `#incident=${encodeURIComponent(incidentOf(e))}`, 'aria-label': `Open ${incidentOf(e)}` }, ' Open ›') : null)))
    : [h('li', { class: 'muted' }, 'Waiting for events…')]));
}
