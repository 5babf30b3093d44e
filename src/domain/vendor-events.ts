// What the vendor did, read from the vendor's own ticketing system (DESIGN §4): a Jira Cloud webhook
// (`jira:issue_updated` with its changelog, `comment_created`) or the ServiceNow incident record a
// Business Rule sends, mapped to escalatord's ticket event — or to a bounded reason for ignoring it.
// Pure: no I/O, no clock. The rules come from configuration (`ticketing.jira.statusMap`,
// `ticketing.servicenow.stateMap`, the accounts escalatord itself writes as).
//
// No echo loops: escalatord comments on and resolves the vendor's tickets itself, and both systems tell
// us about those changes too. A change made by escalatord's own account (Jira `accountId`/e-mail,
// ServiceNow `sys_updated_by`), a ServiceNow work note carrying the `[kind] ` prefix escalatord writes, or
// a Jira comment opening with the `[escalatord] ` label (Jira Cloud often omits the e-mail, and
// selfAccountId may be unset) is ignored as `own-change`; a resolve of an incident that is already
// resolved is a no-op in the command, so escalatord's own transition to Done changes nothing either.
import { ROOT_CAUSES, type RootCause } from './types.js';

export type VendorEventKind = 'acknowledged' | 'progress' | 'awaiting-customer' | 'resolved';
export const VENDOR_EVENT_KINDS: readonly VendorEventKind[] = ['acknowledged', 'progress', 'awaiting-customer', 'resolved'];

/** A ticket event as the incident commands take it: the incident is found by ticket id, else ticket number, else incident id. */
export interface VendorEvent {
  ticketId?: string;
  /** The ticket's human-readable reference when it is not its id (ServiceNow's `number` beside `sys_id`). */
  ticketNumber?: string;
  incidentId?: string;
  event: VendorEventKind;
  by: string;
  note?: string;
  rootCause?: RootCause;
  /** When the vendor made the change (ISO 8601), if the payload says. */
  at?: string;
}

/** Why a delivery changes nothing; a bounded set, so it can label a metric. */
export type VendorIgnoreReason =
  | 'malformed' | 'unsupported-event' | 'no-reference' | 'own-change' | 'no-status-change' | 'unmapped-status'
  | 'empty-comment' | 'unmapped-state' | 'on-hold-not-customer';
export const VENDOR_IGNORE_REASONS: readonly VendorIgnoreReason[] = [
  'malformed', 'unsupported-event', 'no-reference', 'own-change', 'no-status-change', 'unmapped-status',
  'empty-comment', 'unmapped-state', 'on-hold-not-customer',
];

export type VendorMapping =
  | { ok: true; event: VendorEvent }
  | { ok: false; ignored: VendorIgnoreReason; detail: string };

/**
 * Jira Service Management's stock statuses (IT service management workflows), matched case-insensitively.
 * "Pending" and "Escalated" are left out on purpose: they mean waiting on someone other than the customer.
 */
export const DEFAULT_JIRA_STATUS_MAP: Readonly<Record<string, VendorEventKind>> = {
  'In Progress': 'acknowledged',
  'Work in progress': 'acknowledged',
  'Waiting for customer': 'awaiting-customer',
  Resolved: 'resolved',
  Done: 'resolved',
  Closed: 'resolved',
};

/**
 * ServiceNow incident states (the `state` choice list of the incident table), by value and by label:
 * 2 In Progress, 3 On Hold, 6 Resolved, 7 Closed. 1 New and 8 Canceled are not the vendor's progress.
 */
export const DEFAULT_SERVICENOW_STATE_MAP: Readonly<Record<string, VendorEventKind>> = {
  '2': 'acknowledged',
  '3': 'awaiting-customer',
  '6': 'resolved',
  '7': 'resolved',
  'In Progress': 'acknowledged',
  'On Hold': 'awaiting-customer',
  Resolved: 'resolved',
  Closed: 'resolved',
};

/** The ServiceNow `hold_reason` values that mean "waiting for the customer": 1 Awaiting Caller. */
const CUSTOMER_HOLD_REASONS = new Set(['1', 'awaiting caller']);

/** The prefixes escalatord's ServiceNow adapter writes on its work notes (`[kind] body`). */
const OWN_WORK_NOTE = /^\[(diagnostics|escalation|recovery|resolution|sla|progress)\] /;
/** The bold label that opens every comment escalatord's Jira adapter writes (src/tickets/jira.ts commentDoc). */
export const JIRA_COMMENT_MARK = '[escalatord]';
/**
 * The mark at the very start of a comment as a webhook carries it: REST v2 wiki markup (bold `*…*`,
 * brackets escaped `\[`) or plain text. Only at the start: a vendor's reply may quote or name it later.
 */
const OWN_JIRA_COMMENT = /^\s*\*?\\?\[escalatord\\?\]/;
/** The labels escalatord's Jira adapter puts on each issue it creates: `escalatord-<incident id>`. */
const INCIDENT_LABEL = /^escalatord-(.+)$/;

const NOTE_MAX = 4_000;
const BY_MAX = 200;
const REF_MAX = 200;
const ADF_DEPTH_MAX = 32;

export interface JiraRules {
  statusMap: Readonly<Record<string, VendorEventKind>>;
  /** Atlassian account ids escalatord writes as (`ticketing.jira.selfAccountId`). */
  selfAccountIds?: readonly string[];
  /** E-mail addresses escalatord writes as (its API user, `ticketing.username`), when Jira shows them. */
  selfEmails?: readonly string[];
}

export interface ServiceNowRules {
  stateMap: Readonly<Record<string, VendorEventKind>>;
  /** `sys_updated_by` user names escalatord writes as (its API user). */
  selfUsers?: readonly string[];
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
/** An own string property: a JSON object without `toString` must not yield Object.prototype.toString. */
function str(o: unknown, key: string): string | undefined {
  if (!isObject(o) || !Object.hasOwn(o, key)) return undefined;
  const v = o[key];
  return typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined;
}
function obj(o: unknown, key: string): Json | undefined {
  if (!isObject(o) || !Object.hasOwn(o, key)) return undefined;
  const v = o[key];
  return isObject(v) ? v : undefined;
}
const ignore = (ignored: VendorIgnoreReason, detail: string): VendorMapping => ({ ok: false, ignored, detail });
const clip = (s: string, max: number): string => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/** A case-insensitive lookup over a map whose keys come from configuration. */
export function lookupStatus(map: Readonly<Record<string, VendorEventKind>>, name: string): VendorEventKind | undefined {
  const wanted = name.trim().toLowerCase();
  for (const [key, value] of Object.entries(map)) if (key.trim().toLowerCase() === wanted) return value;
  return undefined;
}

/** `Root cause: lan` on a line of its own, as escalatord writes it and as a vendor may copy it. */
export function rootCauseIn(note: string | undefined): RootCause | undefined {
  if (!note) return undefined;
  const m = /^\s*root cause:\s*([a-z-]+)\s*$/im.exec(note);
  const cause = m?.[1].toLowerCase();
  return cause && (ROOT_CAUSES as readonly string[]).includes(cause) ? (cause as RootCause) : undefined;
}

/** Jira timestamps: epoch milliseconds, or `2026-11-25T10:00:00.000+0000`. */
function jiraInstant(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return new Date(value).toISOString();
  if (typeof value !== 'string') return undefined;
  const normalised = value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const t = Date.parse(normalised);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

/** ServiceNow's `sys_updated_on`: `2026-11-25 10:00:00`, in UTC as the Table API and GlideRecord give it. */
function serviceNowInstant(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.exec(value.trim());
  if (!m) return undefined;
  const t = Date.parse(`${m[1]}T${m[2]}${m[3] ?? ''}${m[4] ?? 'Z'}`);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

/**
 * Plain text of an Atlassian Document Format node (Jira Cloud REST v3 comment bodies): text, mentions,
 * emoji and links inline; paragraphs, headings, list items and code blocks on lines of their own.
 */
export function adfText(node: unknown, depth = 0): string {
  if (depth > ADF_DEPTH_MAX || !isObject(node)) return '';
  const type = str(node, 'type');
  if (type === 'text') return str(node, 'text') ?? '';
  if (type === 'hardBreak') return '\n';
  const attrs = obj(node, 'attrs');
  if (type === 'mention') return str(attrs, 'text') ?? '';
  if (type === 'emoji') return str(attrs, 'text') ?? str(attrs, 'shortName') ?? '';
  if (type === 'inlineCard' || type === 'blockCard') return str(attrs, 'url') ?? '';
  const children = Array.isArray(node.content) ? node.content : [];
  const inner = children.map((c) => adfText(c, depth + 1)).join('');
  const block = type === 'paragraph' || type === 'heading' || type === 'codeBlock' || type === 'listItem' || type === 'blockquote' || type === 'panel' || type === 'rule';
  return block ? `${inner.replace(/\n+$/, '')}\n` : inner;
}

/** A Jira comment body: a string (REST v2 / wiki markup, what webhooks usually carry) or an ADF document. */
export function jiraCommentText(body: unknown): string {
  const text = typeof body === 'string' ? body : adfText(body);
  return text.replace(/\r\n?/g, '\n').replace(/\n{3,}/g, '\n\n').trim();
}

function jiraUser(user: Json | undefined): { id?: string; email?: string; name: string } {
  const id = str(user, 'accountId') ?? str(user, 'key') ?? str(user, 'name');
  const email = str(user, 'emailAddress');
  return { id, email, name: clip(str(user, 'displayName') ?? id ?? email ?? 'jira', BY_MAX) };
}

/**
 * Whether a comment body opens with escalatord's label: a string (wiki markup, what webhooks carry), or
 * an ADF document whose first block is a paragraph starting with it (a blockquote is a vendor quoting us).
 */
export function isOwnJiraComment(body: unknown): boolean {
  if (typeof body === 'string') return OWN_JIRA_COMMENT.test(body);
  const first = isObject(body) && Array.isArray(body.content) ? (body.content[0] as unknown) : undefined;
  return str(first, 'type') === 'paragraph' && adfText(first).startsWith(JIRA_COMMENT_MARK);
}

function isJiraSelf(user: { id?: string; email?: string }, rules: JiraRules): boolean {
  if (user.id && (rules.selfAccountIds ?? []).includes(user.id)) return true;
  const email = user.email?.toLowerCase();
  return Boolean(email && (rules.selfEmails ?? []).some((e) => e.toLowerCase() === email));
}

/** Maps one Jira Cloud webhook delivery. */
export function mapJiraWebhook(payload: unknown, rules: JiraRules): VendorMapping {
  if (!isObject(payload)) return ignore('malformed', 'the body is not a JSON object');
  const kind = str(payload, 'webhookEvent');
  if (!kind) return ignore('malformed', 'no webhookEvent');
  const issue = obj(payload, 'issue');
  const key = str(issue, 'key');
  const labels = Array.isArray(obj(issue, 'fields')?.labels) ? (obj(issue, 'fields')!.labels as unknown[]) : [];
  const incidentId = labels.map((l) => (typeof l === 'string' ? INCIDENT_LABEL.exec(l)?.[1] : undefined)).find((x): x is string => Boolean(x));
  const refs = {
    ...(key ? { ticketId: clip(key, REF_MAX) } : {}),
    ...(incidentId ? { incidentId: clip(incidentId, REF_MAX) } : {}),
  };

  if (kind === 'jira:issue_updated') {
    if (!key && !incidentId) return ignore('no-reference', 'the issue has neither a key nor an escalatord label');
    const user = jiraUser(obj(payload, 'user'));
    if (isJiraSelf(user, rules)) return ignore('own-change', `changed by escalatord's own account`);
    const items = Array.isArray(obj(payload, 'changelog')?.items) ? (obj(payload, 'changelog')!.items as unknown[]) : [];
    const change = items.find((i) => str(i, 'field') === 'status' || str(i, 'fieldId') === 'status');
    // Comments reach us as `comment_created`; an update without a status change has nothing more to say.
    if (!change) return ignore('no-status-change', 'the update changes no status');
    const to = str(change, 'toString') ?? '';
    const from = str(change, 'fromString');
    const event = lookupStatus(rules.statusMap, to);
    if (!event) return ignore('unmapped-status', `status "${clip(to, 100)}" is not in ticketing.jira.statusMap`);
    const note = `Jira status ${from ? `"${from}" → ` : ''}"${to}"`;
    const at = jiraInstant(payload.timestamp);
    return { ok: true, event: { ...refs, event, by: user.name, note: clip(note, NOTE_MAX), ...(at ? { at } : {}) } };
  }

  if (kind === 'comment_created') {
    if (!key && !incidentId) return ignore('no-reference', 'the comment names no issue');
    const comment = obj(payload, 'comment');
    if (!comment) return ignore('malformed', 'comment_created without a comment');
    const author = jiraUser(obj(comment, 'author'));
    if (isJiraSelf(author, rules)) return ignore('own-change', `a comment by escalatord's own account`);
    if (isOwnJiraComment(comment.body)) return ignore('own-change', `a comment escalatord wrote (its ${JIRA_COMMENT_MARK} label)`);
    const text = jiraCommentText(comment.body);
    if (text === '') return ignore('empty-comment', 'the comment has no text');
    const rootCause = rootCauseIn(text);
    const at = jiraInstant(comment.created) ?? jiraInstant(payload.timestamp);
    return { ok: true, event: { ...refs, event: 'progress', by: author.name, note: clip(text, NOTE_MAX), ...(rootCause ? { rootCause } : {}), ...(at ? { at } : {}) } };
  }

  return ignore('unsupported-event', `webhookEvent "${clip(kind, 100)}" is not used`);
}

/** A ServiceNow field as a Business Rule may send it: a value, or `{value, display_value}`. */
function snField(record: Json, key: string): string | undefined {
  const plain = str(record, key);
  if (plain !== undefined) return plain;
  const wrapped = obj(record, key);
  return wrapped ? (str(wrapped, 'value') ?? str(wrapped, 'display_value')) : undefined;
}

/**
 * The dedup key of one ServiceNow delivery: `sn:<sys_id>:<sys_updated_on>`, and `:<sys_mod_count>` when the
 * record carries it (two updates within one second share an update time, never a modification count).
 * Undefined when the record lacks sys_id or sys_updated_on.
 */
export function serviceNowDeliveryKey(payload: unknown): string | undefined {
  if (!isObject(payload)) return undefined;
  const record = obj(payload, 'result') ?? payload;
  const sysId = snField(record, 'sys_id')?.trim();
  const updatedOn = snField(record, 'sys_updated_on')?.trim();
  if (!sysId || !updatedOn) return undefined;
  const modCount = snField(record, 'sys_mod_count')?.trim();
  return `sn:${sysId}:${updatedOn}${modCount ? `:${modCount}` : ''}`;
}

/** Maps one ServiceNow incident record (or a Table API `{result: record}` body). */
export function mapServiceNowRecord(payload: unknown, rules: ServiceNowRules): VendorMapping {
  if (!isObject(payload)) return ignore('malformed', 'the body is not a JSON object');
  const record = obj(payload, 'result') ?? payload;
  const sysId = snField(record, 'sys_id')?.trim();
  const number = snField(record, 'number')?.trim();
  const correlationId = snField(record, 'correlation_id')?.trim();
  if (!sysId && !number && !correlationId) return ignore('no-reference', 'the record has no sys_id, number or correlation_id');
  const refs = {
    ...(sysId ? { ticketId: clip(sysId, REF_MAX) } : {}),
    ...(number ? { ticketNumber: clip(number, REF_MAX) } : {}),
    ...(correlationId ? { incidentId: clip(correlationId, REF_MAX) } : {}),
  };
  const updatedBy = snField(record, 'sys_updated_by')?.trim();
  const workNotes = (snField(record, 'work_notes') ?? '').replace(/\r\n?/g, '\n').trim();
  if (updatedBy && (rules.selfUsers ?? []).some((u) => u.toLowerCase() === updatedBy.toLowerCase())) {
    return ignore('own-change', `updated by escalatord's own user`);
  }
  if (OWN_WORK_NOTE.test(workNotes)) return ignore('own-change', 'a work note escalatord wrote');

  const by = clip(updatedBy || 'servicenow', BY_MAX);
  const at = serviceNowInstant(snField(record, 'sys_updated_on'));
  const base = { ...refs, by, ...(at ? { at } : {}) };
  const state = snField(record, 'state')?.trim() ?? '';
  let event = state ? lookupStatus(rules.stateMap, state) : undefined;

  if (event === 'awaiting-customer') {
    const holdReason = snField(record, 'hold_reason')?.trim().toLowerCase();
    // On Hold for a change, a problem or a supplier is still the vendor's time; only Awaiting Caller pauses the clock.
    if (holdReason && !CUSTOMER_HOLD_REASONS.has(holdReason)) {
      if (!workNotes) return ignore('on-hold-not-customer', `on hold for hold_reason "${clip(holdReason, 50)}", not for the customer`);
      event = 'progress';
    }
  }

  if (event === 'resolved') {
    const closeNotes = (snField(record, 'close_notes') ?? '').trim();
    const closeCode = snField(record, 'close_code')?.trim();
    const note = closeNotes || workNotes || `Resolved in ServiceNow${closeCode ? ` (${closeCode})` : ''}`;
    const rootCause = rootCauseIn(closeNotes) ?? rootCauseIn(workNotes);
    return { ok: true, event: { ...base, event, note: clip(note, NOTE_MAX), ...(rootCause ? { rootCause } : {}) } };
  }
  // The record stays In Progress while the vendor works: a work note on it is progress (which acknowledges
  // an incident still open), not a second acknowledgement that would drop the note.
  if (event === 'acknowledged' && workNotes) event = 'progress';
  if (event) return { ok: true, event: { ...base, event, ...(workNotes ? { note: clip(workNotes, NOTE_MAX) } : {}) } };
  // A state we do not map (New, Canceled, or none sent) still carries the vendor's work note.
  if (workNotes) return { ok: true, event: { ...base, event: 'progress', note: clip(workNotes, NOTE_MAX) } };
  return ignore('unmapped-state', `state "${clip(state, 50)}" is not in ticketing.servicenow.stateMap`);
}
