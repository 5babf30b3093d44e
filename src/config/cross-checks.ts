// Rules that span keys, and everything start-up builds from the configuration (calendars, the SLA
// policy's calendar references, management steps, notification channels), run on the raw document one
// part at a time: a mistake in one section must not hide the mistakes in another, so check-config lists
// them all in one pass. Secrets are judged here too; their values never appear in a message.
import { buildCalendar, CalendarError } from '../domain/calendar.js';
import { JIRA_COMMENT_MARK } from '../domain/vendor-events.js';
import { webhookSecretKey, webhookSecretProblem } from '../ingest/webhook-signature.js';
import { configSchema } from './schema.js';
import { schemaAt } from './schema-paths.js';

export interface Finding {
  path: string[];
  message: string;
}

export interface CrossCheckResult {
  problems: Finding[];
  /** Worth saying, not worth refusing: the same secret rules on a loopback bind, a missing management step. */
  warnings: Finding[];
}

const BUILT_IN_CALENDAR = '24x7';
const PRIORITIES = ['P1', 'P2', 'P3', 'P4'] as const;
const MIN_SECRET_CHARS = 16;
/** Values people leave in example files: `change-me…`, `REPLACE-ME-…`, `<your token>`, `xxxxxxxx`. */
const PLACEHOLDER = /change[-_ ]?me|replace[-_ ]?me|placeholder|your[-_ ]?(token|secret|password)|<[^>]*>|^x{4,}$/i;

/**
 * A webhook URL from an example: a placeholder word, a host under a name reserved for examples
 * (RFC 2606: `.example`, example.com/.net/.org), or a part that is only X's (Slack's own docs write
 * `…/T000/B000/XXXX`).
 */
function placeholderUrl(url: string): boolean {
  if (PLACEHOLDER.test(url)) return true;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (/(^|\.)example(\.(com|net|org))?$/i.test(parsed.hostname)) return true;
  return parsed.pathname.split('/').some((part) => /^x{4,}$/i.test(part));
}

type Node = Record<string, unknown>;
const isObject = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The raw value at `path`, following own properties only (a key may be `__proto__`). */
function rawAt(doc: unknown, path: readonly string[]): unknown {
  let v: unknown = doc;
  for (const key of path) {
    if (typeof v !== 'object' || v === null || !Object.hasOwn(v, key)) return undefined;
    v = (v as Node)[key];
  }
  return v;
}

/** The part of the document at `path`, validated and with its defaults, or undefined when that part is invalid (the schema reports it). */
function partAt<T>(doc: unknown, path: readonly string[]): T | undefined {
  const schema = schemaAt(configSchema, path);
  if (!schema) return undefined;
  const result = (schema as unknown as { safeParse(v: unknown): { success: boolean; data?: unknown } }).safeParse(rawAt(doc, path));
  return result.success ? (result.data as T) : undefined;
}

/** Each entry of the list at `path` that is valid on its own, with its index (the defaults when the file has no list). */
function entriesAt<T>(doc: unknown, path: readonly string[]): Array<[number, T]> {
  const raw = rawAt(doc, path);
  if (raw === undefined) return (partAt<T[]>(doc, path) ?? []).map((e, i) => [i, e]);
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((_e, i): Array<[number, T]> => {
    const entry = partAt<T>(doc, [...path, String(i)]);
    return entry === undefined ? [] : [[i, entry]];
  });
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export function crossCheck(doc: unknown): CrossCheckResult {
  const problems: Finding[] = [];
  const warnings: Finding[] = [];
  const calendars = checkCalendars(doc, problems);
  checkCalendarReferences(doc, calendars, problems);
  checkManagementSteps(doc, problems, warnings);
  checkUniqueIds(doc, ['consoles'], 'console', problems);
  checkUniqueIds(doc, ['notifications', 'channels'], 'channel', problems);
  checkSecrets(doc, problems, warnings);
  checkJiraSelf(doc, warnings);
  return { problems, warnings };
}

/**
 * Jira Cloud webhooks often leave out e-mail addresses, so `ticketing.username` rarely recognises
 * escalatord's own changes: without selfAccountId only its labelled comments are known for its own.
 */
function checkJiraSelf(doc: unknown, warnings: Finding[]): void {
  if (partAt<string>(doc, ['ticketing', 'adapter']) !== 'jira' || partAt<string>(doc, ['ticketing', 'jira', 'selfAccountId']) !== undefined) return;
  warnings.push({
    path: ['ticketing', 'jira', 'selfAccountId'],
    message: `unset while Jira creates the tickets: Jira Cloud webhooks often omit e-mail addresses, so escalatord knows its own changes only by the ${JIRA_COMMENT_MARK} label of its comments; set the Atlassian account id of its API user`,
  });
}

/** Builds every calendar as start-up does; returns the names a priority may refer to. */
function checkCalendars(doc: unknown, problems: Finding[]): Set<string> {
  const names = new Set([BUILT_IN_CALENDAR]);
  const raw = rawAt(doc, ['sla', 'calendars']);
  const declared: Node = raw === undefined ? partAt<Node>(doc, ['sla', 'calendars']) ?? {} : isObject(raw) ? raw : {};
  for (const name of Object.keys(declared)) {
    names.add(name);
    const path = ['sla', 'calendars', name];
    if (name === BUILT_IN_CALENDAR) {
      problems.push({ path, message: `calendar "${BUILT_IN_CALENDAR}" is built in and cannot be redefined` });
      continue;
    }
    const cfg = raw === undefined ? (declared[name] as Parameters<typeof buildCalendar>[1]) : partAt<Parameters<typeof buildCalendar>[1]>(doc, path);
    if (!cfg) continue;
    try {
      buildCalendar(name, cfg);
    } catch (err) {
      if (!(err instanceof CalendarError)) throw err;
      problems.push({ path, message: err.message });
    }
  }
  return names;
}

function checkCalendarReferences(doc: unknown, calendars: Set<string>, problems: Finding[]): void {
  const known = () => [...calendars].join(', ');
  for (const p of PRIORITIES) {
    const calendar = partAt<{ calendar: string }>(doc, ['sla', 'priorities', p])?.calendar;
    if (calendar !== undefined && !calendars.has(calendar)) {
      problems.push({ path: ['sla', 'priorities', p, 'calendar'], message: `unknown calendar "${calendar}" (known: ${known()})` });
    }
  }
  const workingDay = partAt<string>(doc, ['management', 'workingDay']);
  if (workingDay !== undefined && !calendars.has(workingDay)) {
    problems.push({ path: ['management', 'workingDay'], message: `unknown calendar "${workingDay}" (known: ${known()})` });
  }
}

function checkManagementSteps(doc: unknown, problems: Finding[], warnings: Finding[]): void {
  const seen = new Set<number>();
  for (const [i, s] of entriesAt<{ step: number }>(doc, ['management', 'steps'])) {
    if (seen.has(s.step)) problems.push({ path: ['management', 'steps', String(i), 'step'], message: `step ${s.step} is configured twice; each step has one contact` });
    seen.add(s.step);
  }
  const missing = [2, 3, 4].filter((n) => !seen.has(n));
  if (missing.length > 0 && partAt<string>(doc, ['management', 'masterUrl']) === undefined && partAt(doc, ['management', 'steps']) !== undefined) {
    warnings.push({ path: ['management', 'steps'], message: `no contact for step ${missing.join(', ')}: escalations to it name no one` });
  }
}

function checkUniqueIds(doc: unknown, path: string[], what: string, problems: Finding[]): void {
  const seen = new Set<string>();
  for (const [i, entry] of entriesAt<{ id: string }>(doc, path)) {
    if (seen.has(entry.id)) problems.push({ path: [...path, String(i), 'id'], message: `duplicate ${what} id "${entry.id}"` });
    seen.add(entry.id);
  }
}

interface Secret {
  path: string[];
  value: string;
}

function collectSecrets(doc: unknown): { accepted: Secret[]; outbound: Secret[]; tokens: number } {
  const accepted: Secret[] = [];
  const outbound: Secret[] = [];
  const tokens = entriesAt<{ token: string }>(doc, ['auth', 'tokens']);
  for (const [i, t] of tokens) accepted.push({ path: ['auth', 'tokens', String(i), 'token'], value: t.token });
  const consoleSecret = partAt<string | string[]>(doc, ['ingest', 'console', 'secret']);
  if (typeof consoleSecret === 'string') accepted.push({ path: ['ingest', 'console', 'secret'], value: consoleSecret });
  else consoleSecret?.forEach((value, i) => accepted.push({ path: ['ingest', 'console', 'secret', String(i)], value }));
  const jiraWebhookSecret = partAt<string>(doc, ['ticketing', 'jira', 'webhookSecret']);
  if (jiraWebhookSecret) accepted.push({ path: ['ticketing', 'jira', 'webhookSecret'], value: jiraWebhookSecret });
  for (const [i, c] of entriesAt<{ token?: string }>(doc, ['consoles'])) if (c.token) outbound.push({ path: ['consoles', String(i), 'token'], value: c.token });
  const ticketingToken = partAt<string>(doc, ['ticketing', 'token']);
  if (ticketingToken) outbound.push({ path: ['ticketing', 'token'], value: ticketingToken });
  for (const [i, c] of entriesAt<{ token?: string; smtp?: { auth?: { pass: string } } }>(doc, ['notifications', 'channels'])) {
    if (c.token) outbound.push({ path: ['notifications', 'channels', String(i), 'token'], value: c.token });
    if (c.smtp?.auth?.pass) outbound.push({ path: ['notifications', 'channels', String(i), 'smtp', 'auth', 'pass'], value: c.smtp.auth.pass });
  }
  const rawTokens = rawAt(doc, ['auth', 'tokens']);
  return { accepted, outbound, tokens: Array.isArray(rawTokens) ? rawTokens.length : 0 };
}

/**
 * Always refused: a webhook secret that is no real key, and one token for two principals. On an address
 * other than loopback also refused (on loopback, a warning): a placeholder, a secret under 16
 * characters, and one value serving two purposes (a console that knows its webhook secret must not
 * also hold an l2 token).
 */
function checkSecrets(doc: unknown, problems: Finding[], warnings: Finding[]): void {
  const host = partAt<string>(doc, ['server', 'host']) ?? '127.0.0.1';
  const exposed = !isLoopbackHost(host);
  const exposure = exposed ? problems : warnings;
  const { accepted, outbound, tokens } = collectSecrets(doc);

  if (exposed && tokens === 0) {
    problems.push({ path: ['server', 'host'], message: `refusing to listen on ${host} without any auth.tokens configured; bind 127.0.0.1 or configure tokens` });
  }
  for (const s of accepted.filter((s) => s.path[0] === 'ingest')) {
    const why = webhookSecretProblem(s.value);
    if (why) problems.push({ path: s.path, message: why });
  }
  // A Teams or Slack webhook URL is itself the credential (whoever has it can post): a placeholder left
  // from an example is refused like a token would be. Length and sharing do not apply to a URL.
  for (const [i, c] of entriesAt<{ type?: string; url?: string }>(doc, ['notifications', 'channels'])) {
    if ((c.type === 'teams' || c.type === 'slack') && typeof c.url === 'string' && placeholderUrl(c.url)) {
      exposure.push({ path: ['notifications', 'channels', String(i), 'url'], message: `looks like a placeholder from an example file; set the channel's real webhook URL (on ${host})` });
    }
  }
  const firstUse = new Map<string, Secret>();
  for (const s of [...accepted, ...outbound]) {
    const text = s.value.startsWith('whsec_') ? webhookSecretKey(s.value).toString('utf8') : s.value;
    if (PLACEHOLDER.test(s.value) || PLACEHOLDER.test(text)) {
      exposure.push({ path: s.path, message: `looks like a placeholder from an example file; set a real secret (on ${host})` });
    } else if (s.value.length < MIN_SECRET_CHARS) {
      exposure.push({ path: s.path, message: `secrets must be at least ${MIN_SECRET_CHARS} characters long (on ${host})` });
    }
    const earlier = firstUse.get(s.value);
    if (!earlier) firstUse.set(s.value, s);
    else if (earlier.path[0] === 'auth' && s.path[0] === 'auth') problems.push({ path: s.path, message: `the same token is configured twice (also ${earlier.path.join('.')})` });
    else exposure.push({ path: s.path, message: `the same secret is also ${earlier.path.join('.')}; give each principal its own` });
  }
}
