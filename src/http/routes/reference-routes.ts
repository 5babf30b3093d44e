// Read-only reference data from configuration, for the dashboard and scripts: the customers (with their
// authorised contacts for the desks that check reporters), the SLA policy (calendars, targets, warning
// fraction, management steps), the request catalogue, and who may do what. Nothing here reads the store.
import { Router } from 'express';
import type { Config, SlaTarget } from '../../config/schema.js';
import { mayAct, visibleLevels } from '../../domain/access.js';
import { LEVELS, PRIORITIES, ROLES, type Level, type Role } from '../../domain/types.js';
import { READ_ROLES, requireAuth, STAFF_ROLES, type TokenAuthenticator } from '../auth.js';

export interface ReferenceRouterDeps {
  auth: TokenAuthenticator;
  config: Pick<Config, 'customers' | 'sla' | 'management' | 'requests'>;
}

/** Roles that check a reporter against the customer's authorised contacts, so they see the contacts. */
export const CONTACT_ROLES: readonly Role[] = ['l1', 'l2', 'admin'];

/**
 * One row per staff action on incidents: which roles the route lets through and whether the incident's
 * level is then checked against the role (domain/incident.ts `assertMayAct`). The incident routes are
 * meant to take their role lists from here, so the table the dashboard reads cannot drift from them.
 */
export interface ActionRule {
  action: string;
  method: 'POST';
  path: string;
  roles: readonly Role[];
  levelChecked: boolean;
}

export const ACTION_RULES: readonly ActionRule[] = [
  // The Service Provider's desk logs faults and requests; the vendor receives them as tickets.
  { action: 'log', method: 'POST', path: '/api/v1/incidents', roles: ['l1', 'l2', 'admin'], levelChecked: false },
  { action: 'acknowledge', method: 'POST', path: '/api/v1/incidents/{id}/acknowledge', roles: STAFF_ROLES, levelChecked: true },
  { action: 'progress', method: 'POST', path: '/api/v1/incidents/{id}/progress', roles: STAFF_ROLES, levelChecked: true },
  { action: 'status', method: 'POST', path: '/api/v1/incidents/{id}/status', roles: STAFF_ROLES, levelChecked: true },
  { action: 'escalate', method: 'POST', path: '/api/v1/incidents/{id}/escalate', roles: STAFF_ROLES, levelChecked: true },
  { action: 'resolve', method: 'POST', path: '/api/v1/incidents/{id}/resolve', roles: STAFF_ROLES, levelChecked: true },
  // The Service Provider complains about the vendor; the complaint walks the vendor's management path.
  { action: 'complaint', method: 'POST', path: '/api/v1/incidents/{id}/complaint', roles: ['l1', 'l2', 'admin'], levelChecked: false },
  // The vendor's management confirms it has the escalation (issue 12: not the vendor's own support team).
  { action: 'management.acknowledge', method: 'POST', path: '/api/v1/incidents/{id}/management/acknowledge', roles: ['admin'], levelChecked: false },
  // The route admits l2 and admin (DESIGN §6), and the command then checks the level as well, so today
  // only admin can retry a vendor ticket (tickets exist at L3/L4). roles-table-matrix.test.ts holds this
  // row to the API: it fails when either side changes alone.
  { action: 'ticket.retry', method: 'POST', path: '/api/v1/incidents/{id}/ticket/retry', roles: ['l2', 'admin'], levelChecked: false },
];

/** The levels a role may act on, asked of the domain rule itself (domain/access.ts) rather than restated. */
export function levelsFor(role: Role): Level[] {
  return LEVELS.filter((level) => mayAct(role, level));
}

export function rolesTable() {
  const items = ROLES.map((role) => {
    const levels = levelsFor(role);
    const person = role !== 'ingest';
    return {
      role,
      levels: person ? levels : [],
      /** The levels whose incidents the role may read at all (the vendor sees only its own). */
      reads: person ? [...(visibleLevels(role) ?? LEVELS)] : [],
      actions: ACTION_RULES.filter((r) => r.roles.includes(role) && (!r.levelChecked || levels.length > 0)).map((r) => r.action),
    };
  });
  return { items, actions: ACTION_RULES, nextCursor: null };
}

// No `d` here: in an SLA target `d` means working days, so 24 hours of working time is written `24h`.
const UNIT_MS = [[3_600_000, 'h'], [60_000, 'm'], [1000, 's']] as const;

/** A target as written in configuration (`30m`, `4h`, `1d`) with its size: ms, or working days. */
export function describeTarget(target: SlaTarget): { text: string; ms: number | null; workingDays: number | null } {
  if ('days' in target) return { text: `${target.days}d`, ms: null, workingDays: target.days };
  const unit = UNIT_MS.find(([size]) => target.ms % size === 0 && target.ms >= size);
  return { text: unit ? `${target.ms / unit[0]}${unit[1]}` : `${target.ms}ms`, ms: target.ms, workingDays: null };
}

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

function slaPolicy(config: ReferenceRouterDeps['config']) {
  const calendars: Record<string, unknown> = {
    // Built into the daemon (domain/calendar.ts): every instant is working time.
    '24x7': { timezone: 'UTC', hours: Object.fromEntries(WEEKDAYS.map((d) => [d, ['00:00-24:00']])), holidays: [], builtIn: true },
  };
  for (const [name, cal] of Object.entries(config.sla.calendars)) {
    const hours: Record<string, string[]> = {};
    for (const d of WEEKDAYS) {
      const h = cal.hours[d];
      if (h !== undefined) hours[d] = ([] as string[]).concat(h);
    }
    calendars[name] = { timezone: cal.timezone, hours, holidays: [...cal.holidays].sort(), builtIn: false };
  }
  const priorities = Object.fromEntries(PRIORITIES.map((p) => {
    const sla = config.sla.priorities[p];
    return [p, { respond: describeTarget(sla.respond), progressEvery: describeTarget(sla.progressEvery), resolve: describeTarget(sla.resolve), calendar: sla.calendar }];
  }));
  return {
    warnAt: config.sla.warnAt,
    calendars,
    priorities,
    management: {
      workingDay: config.management.workingDay,
      stepWindow: describeTarget(config.management.stepWindow),
      attempts: config.management.attempts,
      steps: [
        { step: 1, title: 'Support Team', contactName: null },
        ...[...config.management.steps].sort((a, b) => a.step - b.step).map((s) => ({ step: s.step, title: s.title, contactName: s.contact.name })),
      ],
    },
  };
}

export function createReferenceRouter(deps: ReferenceRouterDeps): Router {
  const router = Router();
  const read = requireAuth(deps.auth, READ_ROLES);
  // Built once: configuration does not change while the daemon runs.
  const policy = slaPolicy(deps.config);
  const roles = rolesTable();
  const requests = deps.config.requests.map((r) => ({ type: r.type, level: r.level, description: r.description ?? null }));

  router.get('/api/v1/customers', read, (req, res) => {
    const withContacts = CONTACT_ROLES.includes(req.principal!.role);
    const items = deps.config.customers.map((c) => {
      const base = { id: c.id, name: c.name };
      if (!withContacts) return base;
      return {
        ...base,
        authorisedContacts: c.authorisedContacts.map((p) => ({ name: p.name, email: p.email, ...(p.phone === undefined ? {} : { phone: p.phone }) })),
      };
    });
    res.json({ items, nextCursor: null });
  });

  router.get('/api/v1/sla/policy', read, (_req, res) => {
    res.json(policy);
  });

  router.get('/api/v1/roles', read, (_req, res) => {
    res.json(roles);
  });

  router.get('/api/v1/requests', read, (_req, res) => {
    res.json({ items: requests, nextCursor: null });
  });

  return router;
}
