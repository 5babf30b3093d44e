// The incident detail's record of what happened: the diagnostics the console gave (collapsible, the cut
// marked) and the timeline of every change with its actor, newest first. Split from render-detail.js.

import { h } from './dom.js';
import { ACTION_WORDS, STATUS_LABELS, when } from './format.js';
import { timeNode } from './widgets.js';

/** A titled part of the detail panel. */
export function section(title, ...body) {
  return h('section', { class: 'detail-section', 'aria-label': title }, h('h3', {}, title), ...body);
}

export function diagnosticsSection(incident, ctx) {
  const d = incident.diagnostics;
  if (!d) return section('Diagnostics', h('p', { class: 'muted' }, 'None fetched for this incident.'));
  const head = ['Diagnostics', d.fetchedAt ? ` · fetched ${when(d.fetchedAt, ctx.now)}` : '', d.truncated ? ' · cut to size' : ''].join('');
  let body;
  if (d.error) body = h('p', { class: 'text-breach' }, `Could not be fetched: ${d.error}`);
  else if (d.data === null || d.data === undefined) body = h('p', { class: 'muted' }, ctx.loading ? 'Loading…' : 'Not loaded.');
  else if (d.data && typeof d.data === 'object' && d.data._truncated) {
    body = [
      h('pre', { class: 'diag' }, String(d.data.excerpt || '')),
      h('p', { class: 'diag-cut' }, `✂ cut here: the console sent ${d.data._originalBytes || 'more'} bytes; the rest is in the console (the daemon keeps ticketing.diagnosticsMaxBytes).`),
    ];
  } else {
    body = [
      h('pre', { class: 'diag' }, JSON.stringify(d.data, null, 2)),
      d.truncated ? h('p', { class: 'diag-cut' }, '✂ cut here: the daemon kept only part of what the console sent.') : null,
    ];
  }
  return h('section', { class: 'detail-section', 'aria-label': 'Diagnostics' },
    h('details', { class: 'diagnostics', open: ctx.diagOpen },
      h('summary', {}, h('h3', {}, head)),
      body));
}

function describeEntry(t) {
  const words = ACTION_WORDS[t.action] || String(t.action || '').replace(/-/g, ' ');
  const data = t.data || {};
  if (t.action === 'escalated' && data.to) return `${words} L${data.from ?? '?'} → L${data.to}`;
  if (t.action === 'status' && data.to) return `status ${STATUS_LABELS[data.from] || data.from || '?'} → ${STATUS_LABELS[data.to] || data.to}`;
  if (t.action === 'resolved' && data.rootCause) return `${words} (root cause: ${data.rootCause})`;
  return words;
}

function actorText(actor) {
  if (!actor) return 'unknown';
  if (actor.kind === 'system') return `${actor.name} (escalatord)`;
  if (actor.kind === 'vendor') return `${actor.name} (vendor)`;
  return actor.role ? `${actor.name} (${actor.role})` : actor.name;
}

export function timelineSection(incident, ctx) {
  const entries = [...(incident.timeline || [])].reverse();
  return section(`Timeline (${entries.length})`,
    ctx.partial ? h('p', { class: 'muted small' }, 'Loading the full history…') : null,
    h('ol', { class: 'timeline' }, entries.map((t) => h('li', { class: 'tl-entry', dataset: { action: t.action } },
      timeNode(t.at, ctx.now),
      h('span', { class: 'tl-actor' }, actorText(t.actor)),
      h('span', { class: 'tl-action' }, describeEntry(t)),
      t.note ? h('span', { class: 'tl-note' }, t.note) : null))));
}
