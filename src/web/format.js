// Human-readable text for times, SLA clocks and live events. No DOM, no clock reads: `now` is passed in.

// One way to write an instant, whatever the browser's locale: "Sun 29 Nov 20:42", a 24-hour clock with
// the day. Parts come from Intl (en-GB names, h23) and are put in order here, so no locale can turn it
// into "Nov 29, 08:42 PM". `timeZone` is the browser's unless given (a calendar's, or a test's).
const formatters = new Map();
function partsOf(ms, timeZone, withSeconds) {
  const key = `${timeZone || ''}|${withSeconds}`;
  if (!formatters.has(key)) {
    formatters.set(key, new Intl.DateTimeFormat('en-GB', {
      timeZone, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
      ...(withSeconds ? { second: '2-digit' } : {}),
    }));
  }
  const parts = {};
  for (const p of formatters.get(key).formatToParts(new Date(ms))) parts[p.type] = p.value;
  return parts;
}

/** "Sun 29 Nov 20:42": a date and a time, short enough for a card, a row or an SLA due instant. */
export function shortDateTime(iso, timeZone) {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return '';
  const p = partsOf(ms, timeZone, false);
  return `${p.weekday} ${p.day} ${p.month} ${p.hour}:${p.minute}`;
}

/** "Sun 29 Nov 2026 20:42:06": the full instant, for a tooltip. */
export function dateTime(iso, timeZone) {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return '';
  const p = partsOf(ms, timeZone, true);
  return `${p.weekday} ${p.day} ${p.month} ${p.year} ${p.hour}:${p.minute}:${p.second}`;
}

/**
 * "12m ago", "3h 02m ago", "2d 03h ago", "just now": an age needs no seconds. An instant ahead of the
 * browser's clock (a skewed daemon) reads "just now".
 */
export function ago(iso, now) {
  const ms = now - Date.parse(iso);
  if (!Number.isFinite(ms)) return '';
  if (ms < 60_000) return 'just now';
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)}m ago`;
  return `${duration(ms).replace(/ 00[hm]$/, '')} ago`;
}

/** "Wed 25 Nov 11:15 · 3h 02m ago": where a time matters, its date and its age. */
export function when(iso, now, timeZone) {
  const at = shortDateTime(iso, timeZone);
  return at ? `${at} · ${ago(iso, now)}` : '';
}

const pad = (n) => String(n).padStart(2, '0');

/** `2d 03h`, `1h 05m`, `12m 03s`, `45s`: two units are enough to act on, more is noise. */
export function duration(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (d > 0) return `${d}d ${pad(h)}h`;
  if (h > 0) return `${h}h ${pad(m)}m`;
  if (m > 0) return `${m}m ${pad(sec)}s`;
  return `${sec}s`;
}

export const CLOCK_LABELS = { response: 'Response', progress: 'Progress', resolution: 'Resolution' };

/**
 * What one SLA clock should say right now: `tone` picks the colour (ok, warn, breach, done, paused) and
 * `label` always carries the same meaning in words, so colour is never the only signal. `stoppedText`
 * says why a stopped clock is not running, when the caller knows.
 */
export function slaView(clock, now, stoppedText) {
  if (!clock) return null;
  const state = clock.state;
  if (state === 'met') return { tone: 'done', label: 'met', text: '✓ met' };
  if (state === 'breached' && clock.metAt) return { tone: 'done', label: 'answered late', text: '✕ answered late' };
  if (state === 'stopped') return { tone: 'done', label: stoppedText || 'stopped', text: `— ${stoppedText || 'stopped'}` };
  if (state === 'paused' || !clock.dueAt) return { tone: 'paused', label: 'paused', text: 'paused' };
  const due = Date.parse(clock.dueAt);
  const left = due - now;
  if (state === 'breached' || left <= 0) {
    return { tone: 'breach', label: 'breached', text: `✕ ${duration(-left)} over` };
  }
  // The daemon's word (at-risk, warnedAt) first; the warning instant carries it between its events.
  const warnAt = clock.warnAt ? Date.parse(clock.warnAt) : NaN;
  const warning = state === 'at-risk' || Boolean(clock.warnedAt) || (Number.isFinite(warnAt) && now >= warnAt);
  if (warning) return { tone: 'warn', label: 'at risk', text: `⚠ ${duration(left)} left` };
  return { tone: 'ok', label: 'on track', text: `${duration(left)} left` };
}

export const STATUS_LABELS = {
  open: 'Open',
  acknowledged: 'Acknowledged',
  'in-progress': 'In progress',
  'awaiting-customer': 'Awaiting customer',
  resolved: 'Resolved',
};

export const COMPONENT_ICONS = { ok: '✓', degraded: '▲', failed: '✕', unknown: '?' };

function incidentRef(d) {
  const inc = d.incident;
  if (inc) return `${inc.id} (${inc.title})`;
  return d.incidentId || 'an incident';
}

/** Timeline actions worded for people; any other action is shown as written. */
export const ACTION_WORDS = {
  created: 'opened',
  escalated: 'escalated',
  resolved: 'resolved',
  complaint: 'complaint filed',
  'management-escalated': 'escalated to management',
  'management-acknowledged': 'management step acknowledged',
  'diagnostics-failed': 'diagnostics could not be fetched',
  'sla.warning': 'SLA warning',
  'sla.breached': 'SLA breached',
  acknowledged: 'acknowledged',
  progress: 'progress reported',
  status: 'status changed',
  recovered: 'recovered',
  relapsed: 'failed again',
  'ticket-created': 'ticket created',
  'ticket-failed': 'ticket failed',
  'linked-report': 'new report linked',
  diagnostics: 'diagnostics attached',
  priority: 'priority raised',
};

const QUIET_NOTES = new Set(['acknowledged', 'diagnostics', 'recovered', 'ticket-created']);

/**
 * incident.updated covers many changes; the incident's latest timeline entry says which one, by whom,
 * so "INC-7 acknowledged by l2-desk" rather than "INC-7 is now acknowledged".
 */
function updateText(d, serverName) {
  const inc = d.incident;
  if (!inc) return `${d.incidentId || 'An incident'} updated`;
  const last = Array.isArray(inc.timeline) ? inc.timeline[inc.timeline.length - 1] : null;
  if (d.recovered || (last && last.action === 'recovered')) {
    return `${inc.id} recovered: ${inc.component || 'the server'} on ${serverName(inc.serverId)} is healthy again; still ${(STATUS_LABELS[inc.status] || inc.status).toLowerCase()} until resolved`;
  }
  if (!last) return `${inc.id} is now ${(STATUS_LABELS[inc.status] || inc.status).toLowerCase()}`;
  const verb = ACTION_WORDS[last.action] || last.action.replace(/-/g, ' ');
  const by = last.actor && last.actor.name && last.actor.kind !== 'system' ? ` by ${last.actor.name}` : '';
  // These notes only repeat the verb; the others (progress, escalation, status) carry what people wrote.
  const note = last.note && !QUIET_NOTES.has(last.action) ? ` — ${last.note}` : '';
  return `${inc.id} ${verb}${by}${note}`;
}

/** One feed line per event type; unknown types still show something rather than nothing. */
export function eventText(type, data, serverName, customerName = (id) => id) {
  const d = data || {};
  const inc = d.incident;
  switch (type) {
    case 'incident.created':
      return inc
        ? `New L${inc.level} ${inc.priority} incident ${inc.id} on ${serverName(inc.serverId)} (${customerName(inc.customerId)}): ${inc.title}`
        : `New incident ${d.incidentId || ''}`;
    case 'incident.escalated': {
      const last = inc && Array.isArray(inc.timeline) ? inc.timeline[inc.timeline.length - 1] : null;
      const by = last && last.action === 'escalated' && last.actor && last.actor.name ? ` by ${last.actor.name}` : '';
      return `${incidentRef(d)} escalated to L${inc ? inc.level : d.toLevel}${by}${d.reason ? ` — ${d.reason}` : ''}`;
    }
    case 'incident.updated':
      return updateText(d, serverName);
    case 'incident.resolved':
      return `${incidentRef(d)} resolved${inc && inc.rootCause ? ` (root cause: ${inc.rootCause})` : ''}`;
    case 'ticket.created': {
      const t = d.ticket || (inc && inc.ticket) || {};
      return `Ticket ${d.ticketId || t.id || ''} created for ${inc ? inc.id : d.incidentId || 'an incident'}`;
    }
    case 'ticket.failed':
      return `Ticket ${d.operation === 'comment' ? 'comment' : ''} could not be sent for ${inc ? inc.id : d.incidentId || 'an incident'}${d.message || d.reason ? `: ${d.message || d.reason}` : ''}`.replace('Ticket  ', 'Ticket ');
    case 'sla.warning':
      return `SLA at risk: ${d.clock || 'a'} clock of ${inc ? inc.id : d.incidentId}`;
    case 'sla.breached':
      return `SLA breached: ${d.clock || 'a'} clock of ${inc ? inc.id : d.incidentId}`;
    case 'management.escalated':
      return `${inc ? inc.id : d.incidentId} escalated to management step ${d.step || (inc && inc.management && inc.management.step) || ''}`;
    case 'component.changed': {
      const where = serverName(d.serverId);
      if (!d.component) return `${where} is ${d.reachable === false ? 'unreachable' : 'reachable again'}`;
      const reach = d.reachable === false ? ' — server unreachable' : '';
      return `${where} ${d.component} (${d.kind || 'component'}): ${d.from || '?'} → ${d.to}${d.message ? ` — ${d.message}` : ''}${reach}`;
    }
    case 'console.down':
      return `Monitoring console ${d.consoleId} is down${d.error ? ` — ${d.error}` : ''}; no incidents are opened for its servers meanwhile`;
    case 'console.up':
      return `Monitoring console ${d.consoleId} is up`;
    default:
      return `${type}`;
  }
}

/** Feed tone: red for failures and breaches, amber for warnings, green for recoveries. */
export function eventTone(type, data) {
  const d = data || {};
  if (type === 'sla.breached' || type === 'ticket.failed' || type === 'console.down') return 'breach';
  if (type === 'component.changed') {
    if (d.to === 'failed' || d.reachable === false) return 'breach';
    if (d.to === 'degraded' || d.to === 'unknown') return 'warn';
    return 'ok';
  }
  if (type === 'sla.warning' || type === 'management.escalated' || type === 'incident.escalated') return 'warn';
  if (type === 'incident.resolved' || type === 'console.up') return 'ok';
  return 'info';
}
