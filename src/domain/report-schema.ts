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
  components: z.array(reportedComponentSchema).max(LIMITS.componentsPerReport, `at most ${LIMITS.componentsPerReport} components`),
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

/**
 * Accepts one StatusReport or `{"reports":[…]}` (DESIGN §4) and returns the reports with unknown keys
 * dropped and instants normalised. Throws ValidationError naming every bad field.
 */
export function parseReportBody(body: unknown): StatusReport[] {
  if (!isObject(body)) throw new ValidationError([{ field: 'body', message: 'expected a StatusReport object or {"reports":[…]}' }]);
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
