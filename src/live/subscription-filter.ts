// What a live client asked to see. A filter on a field narrows only the events that carry that field:
// an event whose scope has no level, customer or server (console.down, console.up, …) concerns everyone,
// so it passes level, customer and server filters alike. `types` always applies, since every event has one.
import { z } from 'zod';
import { EVENT_TYPES, type EventType, type Level, type LoggedEvent } from '../domain/types.js';

/** A normalised subscription filter; an empty list means "any". */
export interface LiveFilter {
  levels: Level[];
  customerIds: string[];
  serverIds: string[];
  types: EventType[];
}

export type EventMatcher = (event: LoggedEvent) => boolean;

export const MATCH_ALL_FILTER: LiveFilter = Object.freeze({ levels: [], customerIds: [], serverIds: [], types: [] }) as LiveFilter;

// Bounds keep a hostile client from building huge sets; maxPayload (64 KiB) bounds the rest.
const MAX_IDS = 1000;
const idList = z.array(z.string().min(1).max(200)).max(MAX_IDS);

const filterSchema = z.strictObject({
  levels: z.array(z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)])).max(4).optional(),
  customerIds: idList.optional(),
  serverIds: idList.optional(),
  types: z.array(z.enum(EVENT_TYPES as [EventType, ...EventType[]])).max(EVENT_TYPES.length * 2).optional(),
});

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

/** Validates a filter as sent by a client; `null`/missing means everything. Duplicates are removed. */
export function parseFilter(raw: unknown): ParseResult<LiveFilter> {
  if (raw === undefined || raw === null) return { ok: true, value: { ...MATCH_ALL_FILTER } };
  const parsed = filterSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, error: `invalid filter: ${describeIssues(parsed.error)}` };
  const f = parsed.data;
  return {
    ok: true,
    value: {
      levels: unique(f.levels ?? []).sort((a, b) => a - b),
      customerIds: unique(f.customerIds ?? []),
      serverIds: unique(f.serverIds ?? []),
      types: unique(f.types ?? []),
    },
  };
}

/** Builds the per-event test once per subscribe, so publishing costs a few set look-ups per client. */
export function compileFilter(filter: LiveFilter): EventMatcher {
  const levels = setOrNull<number>(filter.levels);
  const customers = setOrNull(filter.customerIds);
  const servers = setOrNull(filter.serverIds);
  const types = setOrNull<string>(filter.types);
  if (!levels && !customers && !servers && !types) return () => true;
  return (event) => {
    if (types && !types.has(event.type)) return false;
    const scope = event.scope;
    if (!scope) return true;
    // An incident leaving a level is news at that level too (it is no longer theirs to work).
    if (levels && scope.level !== undefined && !levels.has(scope.level) && !(scope.fromLevel !== undefined && levels.has(scope.fromLevel))) return false;
    if (customers && scope.customerId !== undefined && !customers.has(scope.customerId)) return false;
    if (servers && scope.serverId !== undefined && !servers.has(scope.serverId)) return false;
    return true;
  };
}

export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}

function setOrNull<T>(items: readonly T[]): Set<T> | null {
  return items.length ? new Set(items) : null;
}
