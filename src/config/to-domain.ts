// Where the parsed configuration meets the domain: each function turns a config section into the plain
// types domain/ declares, so domain/ never imports the schema's shape. domainPolicies builds every rule's
// policy at once and throws CalendarError naming the config path of a calendar that does not exist.
import { buildCalendars, CalendarError, type BusinessCalendar, type CalendarSpec } from '../domain/calendar.js';
import type { RequestLevel } from '../domain/enums.js';
import type { ManagementPolicy } from '../domain/management.js';
import type { RoutingPolicy } from '../domain/routing.js';
import { buildSlaPolicy, type SlaPolicy } from '../domain/sla.js';
import type { SlaSpec } from '../domain/sla-targets.js';
import type { JiraRules, ServiceNowRules } from '../domain/vendor-events.js';
import type { Config } from './schema.js';

export interface DomainPolicies {
  /** Every configured calendar plus the built-in `24x7`. */
  calendars: ReadonlyMap<string, BusinessCalendar>;
  sla: SlaPolicy;
  management: ManagementPolicy;
  routing: RoutingPolicy;
  /** `routing.autoResolveAfter`: the stable window for autoResolve; undefined = auto-resolve off. */
  autoResolveAfterMs: number | undefined;
  /** The request catalogue: request type → the lowest level authorised to action it. */
  requestLevels: ReadonlyMap<string, RequestLevel>;
}

/** `sla.calendars` as calendar specs. */
export function calendarSpecs(config: Pick<Config, 'sla'>): Readonly<Record<string, CalendarSpec>> {
  return config.sla.calendars;
}

/** `sla.warnAt` and `sla.priorities` as the SLA spec. */
export function slaSpec(config: Pick<Config, 'sla'>): SlaSpec {
  return { warnAt: config.sla.warnAt, priorities: config.sla.priorities };
}

/** `routing` as the routing policy of DESIGN §5. */
export function routingPolicy(config: Pick<Config, 'routing'>): RoutingPolicy {
  const r = config.routing;
  return {
    degradedGraceMs: r.degradedGrace,
    softwareFailurePriority: r.softwareFailurePriority,
    multipleSoftwareFailuresPriority: r.multipleSoftwareFailuresPriority,
    hardwarePriority: r.hardwarePriority,
    unreachablePriority: r.unreachablePriority,
    degradedPriority: r.degradedPriority,
  };
}

/** `management` as the management path's timing, on the calendar named by `management.workingDay`. */
export function managementPolicy(config: Pick<Config, 'management'>, calendars: ReadonlyMap<string, BusinessCalendar>): ManagementPolicy {
  const name = config.management.workingDay;
  const calendar = calendars.get(name);
  if (!calendar) throw new CalendarError(`management.workingDay: unknown calendar "${name}" (known: ${[...calendars.keys()].join(', ')})`, { calendar: name });
  return { calendar, stepWindow: config.management.stepWindow, attempts: config.management.attempts };
}

/** `requests` as a map from request type to its catalogue level. */
export function requestLevels(config: Pick<Config, 'requests'>): ReadonlyMap<string, RequestLevel> {
  return new Map(config.requests.map((r) => [r.type, r.level]));
}

/** Every policy the domain's rules take, built from the parsed configuration. Throws CalendarError. */
export function domainPolicies(config: Pick<Config, 'sla' | 'management' | 'routing' | 'requests'>): DomainPolicies {
  const calendars = buildCalendars(calendarSpecs(config));
  return {
    calendars,
    sla: buildSlaPolicy(slaSpec(config), calendars),
    management: managementPolicy(config, calendars),
    routing: routingPolicy(config),
    autoResolveAfterMs: config.routing.autoResolveAfter,
    requestLevels: requestLevels(config),
  };
}

/** How Jira and ServiceNow deliveries map onto ticket events, and which of their changes are escalatord's own. */
export function vendorSyncRules(config: Pick<Config, 'ticketing'>): { jira: { webhookSecret?: string; rules: JiraRules }; servicenow: { rules: ServiceNowRules } } {
  const { jira, servicenow, username } = config.ticketing;
  return {
    jira: {
      webhookSecret: jira.webhookSecret,
      rules: { statusMap: jira.statusMap, selfAccountIds: jira.selfAccountId ? [jira.selfAccountId] : [], selfEmails: username ? [username] : [] },
    },
    servicenow: { rules: { stateMap: servicenow.stateMap, selfUsers: [servicenow.selfUser, username].filter((u): u is string => u !== undefined) } },
  };
}
