// Validation of StatusReports (DESIGN §3) as they arrive from a console webhook or a poll. Every bad
// field is named with its path (`reports.3.components.0.status`) so a sender can fix all of them at once,
// and every size is bounded so one body cannot make the daemon hold or diff an unbounded structure.
import { z } from 'zod';
import { ValidationError, type FieldProblem } from './errors.js';
import { COMPONENT_KINDS, COMPONENT_STATUSES, type ComponentKind, type ComponentStatus, type StatusReport } from './types.js';

export const LIMITS = {
  idLength: 200,
  messageLength: 4000,
  componentsPerReport: 500,
  reportsPerBody: 1000,
  /** Problems listed in one 400 answer; the rest are summarised so the answer stays small. */
  problemsListed: 1000,
} as const;

const id = z.string().min(1, 'must not be empty').max(LIMITS.idLength, `at most ${LIMITS.idLength} characters`);
// Instants are normalised to UTC `toISOString()` form: the status diff compares them as strings.
const instant = z.iso.datetime({ offset: true, message: 'expected an ISO 8601 date-time with a zone, e.g. 2026-11-25T10:00:00Z' })
  .transform((s) => new Date(s).toISOString());

export const reportedComponentSchema = z.object({
  name: id,
  kind: z.enum(COMPONENT_KINDS as [ComponentKind, ...ComponentKind[]]),
  status: z.enum(COMPONENT_STATUSES as [ComponentStatus, ...ComponentStatus[]]),
  message: z.string().max(LIMITS.messageLength).optional(),
  since: instant.optional(),
});

export const statusReportSchema = z.object({
  serverId: id,
  observedAt: instant,
  reachable: z.boolean(),
  components: z.array(reportedComponentSchema).max(LIMITS.componentsPerReport, `at most ${LIMITS.componentsPerReport} components`)
    .superRefine((components, ctx) => {
      // A report names each component once: of two entries for one component, neither is the truth, and
      // applied in turn they would open an incident and resolve it again within one report.
      const first = new Map<string, number>();
      components.forEach((c, i) => {
        const at = first.get(c.name);
        if (at === undefined) first.set(c.name, i);
        else ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `names the component of components.${at} again` });
      });
    }),
  name: z.string().max(LIMITS.idLength).optional(),
  customerId: id.optional(),
});

const batchSchema = z.object({
  reports: z.array(statusReportSchema).min(1, 'at least one report').max(LIMITS.reportsPerBody, `at most ${LIMITS.reportsPerBody} reports`),
});

/** Turns zod issues into field problems, each named by its dotted path (`body` for the root). */
export function zodProblems(error: z.ZodError, prefix: string[] = []): FieldProblem[] {
  const problems = error.issues.map((issue) => {
    const path = [...prefix, ...issue.path.map(String)];
    return { field: path.length > 0 ? path.join('.') : 'body', message: issue.message };
  });
  if (problems.length <= LIMITS.problemsListed) return problems;
  const more = problems.length - LIMITS.problemsListed;
  return [...problems.slice(0, LIMITS.problemsListed), { field: 'body', message: `${more} more problems not listed` }];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// The common case checked by hand: every console report passes here, and zod (which names each bad field)
// runs only for a body this does not accept. It accepts a subset of what the schemas accept and returns
// what they would return (the differential test in report-schema.test.ts holds it to that), because zod
// was the largest single cost of ingest after HTTP itself.
const UTC_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
const KINDS: ReadonlySet<unknown> = new Set(COMPONENT_KINDS);
const STATUSES: ReadonlySet<unknown> = new Set(COMPONENT_STATUSES);

/**
 * A UTC instant in toISOString form (milliseconds optional), normalised; undefined for anything else. By
 * hand rather than through Date (every report carries one, a batch of 64 reports 64): the fields are in
 * range for the calendar (Feb 29 only in a leap year, no 24:00, no leap second), as Date and the schema
 * require.
 */
function quickInstant(v: unknown): string | undefined {
  if (typeof v !== 'string' || !UTC_INSTANT.test(v)) return undefined;
  const year = digits(v, 0, 4);
  const month = digits(v, 5, 2);
  const day = digits(v, 8, 2);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (digits(v, 11, 2) > 23 || digits(v, 14, 2) > 59 || digits(v, 17, 2) > 59) return undefined;
  // Milliseconds written in full, as toISOString writes them: …:05Z and …:05.5Z become …:05.000Z and …:05.500Z.
  if (v.length === 24) return v;
  return `${v.slice(0, 19)}.${v.slice(20, -1).padEnd(3, '0')}Z`;
}

/** The decimal number of `length` digits at `at` (the pattern has made sure they are digits). */
function digits(s: string, at: number, length: number): number {
  let n = 0;
  for (let i = at; i < at + length; i++) n = n * 10 + (s.charCodeAt(i) - 48);
  return n;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

const quickId = (v: unknown): v is string => typeof v === 'string' && v.length >= 1 && v.length <= LIMITS.idLength;

function quickComponent(v: unknown): StatusReport['components'][number] | undefined {
  if (!isObject(v)) return undefined;
  const { name, kind, status, message, since } = v;
  if (!quickId(name) || !KINDS.has(kind) || !STATUSES.has(status)) return undefined;
  const out: StatusReport['components'][number] = { name, kind: kind as ComponentKind, status: status as ComponentStatus };
  if (message !== undefined) {
    if (typeof message !== 'string' || message.length > LIMITS.messageLength) return undefined;
    out.message = message;
  }
  if (since !== undefined) {
    const at = quickInstant(since);
    if (at === undefined) return undefined;
    out.since = at;
  }
  return out;
}

/** The report as statusReportSchema would return it, or undefined when only the schema can say. */
export function quickReport(v: unknown): StatusReport | undefined {
  if (!isObject(v)) return undefined;
  const { serverId, observedAt, reachable, components, name, customerId } = v;
  if (!quickId(serverId) || typeof reachable !== 'boolean' || !Array.isArray(components) || components.length > LIMITS.componentsPerReport) return undefined;
  const at = quickInstant(observedAt);
  if (at === undefined) return undefined;
  const parsed: StatusReport['components'] = [];
  for (const c of components) {
    const one = quickComponent(c);
    if (!one) return undefined;
    parsed.push(one);
  }
  if (parsed.length > 1 && new Set(parsed.map((c) => c.name)).size !== parsed.length) return undefined; // the schema names the repeat
  const out: StatusReport = { serverId, observedAt: at, reachable, components: parsed };
  if (name !== undefined) {
    if (typeof name !== 'string' || name.length > LIMITS.idLength) return undefined;
    out.name = name;
  }
  if (customerId !== undefined) {
    if (!quickId(customerId)) return undefined;
    out.customerId = customerId;
  }
  return out;
}

function quickBody(body: Record<string, unknown>): StatusReport[] | undefined {
  if (!('reports' in body)) {
    const one = quickReport(body);
    return one && [one];
  }
  const { reports } = body;
  if (!Array.isArray(reports) || reports.length < 1 || reports.length > LIMITS.reportsPerBody) return undefined;
  const out: StatusReport[] = [];
  for (const r of reports) {
    const one = quickReport(r);
    if (!one) return undefined;
    out.push(one);
  }
  return out;
}

/**
 * Accepts one StatusReport or `{"reports":[…]}` (DESIGN §4) and returns the reports with unknown keys
 * dropped and instants normalised. Throws ValidationError naming every bad field.
 */
export function parseReportBody(body: unknown): StatusReport[] {
  if (!isObject(body)) throw new ValidationError([{ field: 'body', message: 'expected a StatusReport object or {"reports":[…]}' }]);
  const quick = quickBody(body);
  if (quick) return quick;
  if ('reports' in body) {
    const parsed = batchSchema.safeParse(body);
    if (!parsed.success) throw new ValidationError(zodProblems(parsed.error));
    return parsed.data.reports;
  }
  const parsed = statusReportSchema.safeParse(body);
  if (!parsed.success) throw new ValidationError(zodProblems(parsed.error));
  return [parsed.data];
}

/** One StatusReport as a console's status endpoint returns it; throws ValidationError when malformed. */
export function parseStatusReport(body: unknown): StatusReport {
  const parsed = statusReportSchema.safeParse(body);
  if (!parsed.success) throw new ValidationError(zodProblems(parsed.error));
  return parsed.data;
}
