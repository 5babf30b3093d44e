// The configuration schema: one place for every key, its type and its default (DESIGN §11).
// Validation is zod's; the loader reports every issue at once with its path.
import { z } from 'zod';
import { DURATION_PATTERN, parseDuration } from '../domain/durations.js';
import { COMPONENT_KINDS, PRIORITIES, REQUEST_LEVELS, ROLES, WEEKDAYS } from '../domain/enums.js';
import { parseSlaTarget } from '../domain/sla-targets.js';
import { DEFAULT_JIRA_STATUS_MAP, DEFAULT_SERVICENOW_STATE_MAP, VENDOR_EVENT_KINDS } from '../domain/vendor-events.js';
import { TICKET_ADAPTERS } from '../tickets/adapter.js';

/** A duration string such as `30s` or `4h`, parsed to milliseconds. */
const duration = z
  .string()
  .regex(DURATION_PATTERN, 'expected a duration such as 30s, 5m, 4h or 1d')
  .transform((s) => parseDuration(s));

/** An SLA target: `30m`, `4h` (working hours on the calendar) or `1d` (working days on the calendar). */
const slaTarget = z
  .string()
  .regex(DURATION_PATTERN, 'expected a duration such as 30m, 4h or 1d')
  .transform((s) => parseSlaTarget(s));
export type { SlaTarget } from '../domain/sla-targets.js';

const url = z.string().url();
const hhmmRange = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d-(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'expected HH:MM-HH:MM');
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD');
const role = z.enum(ROLES);
const priority = z.enum(PRIORITIES);

const timezone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'unknown IANA time zone');

export const calendarSchema = z.strictObject({
  timezone,
  hours: z.partialRecord(z.enum(WEEKDAYS), z.union([hhmmRange, z.array(hhmmRange)])),
  holidays: z.array(isoDate).default([]),
});

const prioritySla = z.strictObject({
  respond: slaTarget,
  progressEvery: slaTarget,
  resolve: slaTarget,
  calendar: z.string().default('business'),
});

const contact = z.strictObject({
  name: z.string(),
  email: z.string().email().optional(),
  phone: z.string().optional(),
});

const consoleSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'lower-case letters, digits, - and _'),
  url,
  token: z.string().optional(),
  pollInterval: duration.default(parseDuration('60s')),
  timeout: duration.default(parseDuration('5s')),
  concurrency: z.number().int().min(1).max(1024).default(16),
  jitter: duration.default(parseDuration('2s')),
});

const mappingSchema = z.strictObject({
  serverLabel: z.string().default('server'),
  instanceLabel: z.string().default('instance'),
  componentLabel: z.string().default('component'),
  kindLabel: z.string().default('component_kind'),
  defaultKind: z.enum(COMPONENT_KINDS).default('software'),
  severityLabel: z.string().default('severity'),
  degradedSeverities: z.array(z.string()).default(['warning', 'info']),
  customerLabel: z.string().default('customer'),
});

export const configSchema = z.strictObject({
  server: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8080),
      publicUrl: url.optional(),
      bodyLimit: z.string().regex(/^\d+(b|kb|mb)$/i, 'expected e.g. 1mb').default('1mb'),
      shutdownTimeout: duration.default(parseDuration('8s')),
      allowedOrigins: z.array(z.string()).default([]),
      /** Connections held at once; default three quarters of the open-file limit (see src/http/server-limits.ts). */
      maxConnections: z.number().int().min(16).optional(),
      /** A client that has not sent its request headers by then gets 408 and is closed. */
      headersTimeout: duration.default(parseDuration('10s')),
      requestTimeout: duration.default(parseDuration('30s')),
    })
    .prefault({}),
  log: z.strictObject({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') }).prefault({}),
  storage: z
    .strictObject({
      /** `file`: the embedded default (lowdb snapshot + journal). `postgres`: several instances on one database (DESIGN §12). */
      engine: z.enum(['file', 'postgres']).default('file'),
      /** `postgres://user@host:5432/db`, required with engine postgres. */
      url: z.string().min(1).optional(),
      path: z.string().default('./data/escalatord.json'),
      /** Idempotency keys kept at most; beyond it the oldest go first, expired or not. */
      maxDedupKeys: z.number().int().min(1000).default(1_000_000),
      eventLogSize: z.number().int().min(100).default(10_000),
      dedupRetention: duration.default(parseDuration('1h')),
      /** How long audit entries are kept for `GET /api/v1/audit` (the housekeeping sweep drops older ones). */
      auditRetention: duration.default(parseDuration('400d')),
      resolvedRetention: duration.default(parseDuration('7d')),
      maxLiveIncidents: z.number().int().min(100).default(20_000),
    })
    .prefault({}),
  cluster: z
    .strictObject({
      /** This instance's name in `GET /api/v1/cluster` (default: host name and pid). */
      instanceId: z.string().min(1).max(200).optional(),
      /** How often the leader proves it still holds its lock, and members report in. */
      heartbeat: duration.default(parseDuration('1s')),
    })
    .prefault({}),
  auth: z
    .strictObject({
      tokens: z.array(z.strictObject({ name: z.string().min(1), role, token: z.string().min(16, 'tokens must be at least 16 characters') })).default([]),
    })
    .prefault({}),
  ingest: z
    .strictObject({
      console: z.strictObject({ secret: z.union([z.string().min(16), z.array(z.string().min(16))]).optional(), tolerance: duration.default(parseDuration('300s')) }).prefault({}),
      alertmanager: z.strictObject({ mapping: mappingSchema.prefault({}) }).prefault({}),
      /** Without a console, servers are known from reports alone: at most this many are kept. */
      maxServers: z.number().int().min(1).default(5000),
      /** Without a console, a server no report has named for this long is forgotten. */
      serverExpiry: duration.default(parseDuration('7d')),
      /** With consoles, a report naming an unknown server refreshes each console's inventory at most this often. */
      inventoryRefresh: duration.default(parseDuration('1m')),
    })
    .prefault({}),
  consoles: z.array(consoleSchema).default([]),
  ticketing: z
    .strictObject({
      adapter: z.enum(TICKET_ADAPTERS).default('generic'),
      url: url.optional(),
      token: z.string().optional(),
      username: z.string().optional(),
      timeout: duration.default(parseDuration('10s')),
      maxAttempts: z.number().int().min(1).default(20),
      backoffBase: duration.default(parseDuration('1s')),
      backoffCap: duration.default(parseDuration('5m')),
      breakerThreshold: z.number().int().min(1).default(5),
      breakerCooldown: duration.default(parseDuration('30s')),
      diagnosticsMaxBytes: z.number().int().min(256).default(16_384),
      jira: z.strictObject({
        projectKey: z.string().default('SUP'), issueType: z.string().default('Incident'), resolveTransition: z.string().default('Done'),
        /** The secret of Jira's webhook: deliveries carry `X-Hub-Signature: sha256=<hex HMAC of the body>`. Unset: the Jira endpoint refuses all. */
        webhookSecret: z.string().min(16, 'a webhook secret must be at least 16 characters').optional(),
        /** Jira status name (case-insensitive) → ticket event; statuses not listed are ignored. */
        statusMap: z.record(z.string(), z.enum(VENDOR_EVENT_KINDS)).default({ ...DEFAULT_JIRA_STATUS_MAP }),
        /** The Atlassian account id escalatord's API user has: its own comments and transitions are not echoed back. */
        selfAccountId: z.string().min(1).optional(),
      }).prefault({}),
      servicenow: z.strictObject({
        table: z.string().default('incident'), resolvedState: z.string().default('6'),
        /** Incident `state` (value or label, case-insensitive) → ticket event; states not listed are ignored. */
        stateMap: z.record(z.string(), z.enum(VENDOR_EVENT_KINDS)).default({ ...DEFAULT_SERVICENOW_STATE_MAP }),
        /** `sys_updated_by` of escalatord's own changes, when it is not `ticketing.username`. */
        selfUser: z.string().min(1).optional(),
      }).prefault({}),
    })
    .prefault({}),
  routing: z
    .strictObject({
      degradedGrace: duration.default(parseDuration('15m')),
      autoResolveAfter: duration.optional(),
      diagnosticsTimeout: duration.default(parseDuration('5s')),
      softwareFailurePriority: priority.default('P2'),
      multipleSoftwareFailuresPriority: priority.default('P1'),
      hardwarePriority: priority.default('P2'),
      unreachablePriority: priority.default('P2'),
      degradedPriority: priority.default('P3'),
    })
    .prefault({}),
  sla: z
    .strictObject({
      warnAt: z.number().gt(0).lt(1).default(0.75),
      calendars: z.record(z.string(), calendarSchema).default({
        business: { timezone: 'Europe/London', hours: { mon: '09:00-17:30', tue: '09:00-17:30', wed: '09:00-17:30', thu: '09:00-17:30', fri: '09:00-17:30' }, holidays: [] },
      }),
      priorities: z
        .strictObject({
          P1: prioritySla.prefault({ respond: '30m', progressEvery: '1h', resolve: '4h', calendar: '24x7' }),
          P2: prioritySla.prefault({ respond: '1h', progressEvery: '4h', resolve: '1d', calendar: 'business' }),
          P3: prioritySla.prefault({ respond: '4h', progressEvery: '1d', resolve: '3d', calendar: 'business' }),
          P4: prioritySla.prefault({ respond: '1d', progressEvery: '2d', resolve: '10d', calendar: 'business' }),
        })
        .prefault({}),
    })
    .prefault({}),
  management: z
    .strictObject({
      workingDay: z.string().default('business'),
      /** How long a management step has to show progress (step 2) or acknowledge (step 3): one working day. */
      stepWindow: slaTarget.default({ days: 1 }),
      /** Re-notification attempts within a step's window before moving on (the seed's "more than one occasion"). */
      attempts: z.number().int().min(1).default(2),
      masterUrl: url.optional(),
      refreshInterval: duration.default(parseDuration('1h')),
      staleAfter: duration.default(parseDuration('1d')),
      // The demo's vendor management: made-up people, so the screens and mails read as they will in use.
      steps: z
        .array(z.strictObject({ step: z.number().int().min(2).max(4), title: z.string(), contact }))
        .default([
          { step: 2, title: 'Head of Support', contact: { name: 'Dana Whitfield', email: 'head-of-support@vendor.example' } },
          { step: 3, title: 'VP Customer Success', contact: { name: 'Marcus Oyelaran', email: 'vp-customer-success@vendor.example' } },
          { step: 4, title: 'Chief Operations Architect', contact: { name: 'Priya Raman', email: 'chief-ops-architect@vendor.example' } },
        ]),
    })
    .prefault({}),
  notifications: z
    .strictObject({
      channels: z.array(z.discriminatedUnion('type', [
        z.strictObject({ id: z.string(), type: z.enum(['webhook', 'slack']), url, token: z.string().optional() }),
        /** SMTP through nodemailer; a management step's mail also goes to that step's contact. */
        z.strictObject({
          id: z.string(),
          type: z.literal('email'),
          smtp: z.strictObject({
            host: z.string().min(1),
            port: z.number().int().min(0).max(65535).default(587),
            /** true: TLS from the first byte (465); false: STARTTLS when the server offers it. */
            secure: z.boolean().default(false),
            auth: z.strictObject({ user: z.string().min(1), pass: z.string() }).optional(),
          }),
          from: z.string().min(3),
          to: z.array(z.string().email()).default([]),
        }),
        /** An Adaptive Card posted to a Teams Workflows webhook. */
        z.strictObject({ id: z.string(), type: z.literal('teams'), url }),
      ])).default([]),
    })
    .prefault({}),
  // An authorised contact's phone is what the desk calls back on: the incident detail shows it.
  customers: z
    .array(z.strictObject({ id: z.string().min(1), name: z.string(), authorisedContacts: z.array(z.strictObject({ name: z.string(), email: z.string().email(), phone: z.string().optional() })).default([]) }))
    .default([]),
  requests: z.array(z.strictObject({ type: z.string().min(1), level: z.literal(REQUEST_LEVELS), description: z.string().optional() })).default([]),
  simulator: z
    .strictObject({
      enabled: z.boolean().default(false),
      consolePort: z.number().int().min(0).max(65535).default(9101),
      ticketingPort: z.number().int().min(0).max(65535).default(9102),
      /** The demo's mail sink (off unless asked for): SMTP on `mailSmtpPort`, its messages listed at `GET /mail` on `mailHttpPort`. */
      mailSink: z.boolean().default(false),
      mailSmtpPort: z.number().int().min(0).max(65535).default(9125),
      mailHttpPort: z.number().int().min(0).max(65535).default(9126),
      servers: z.number().int().min(1).default(24),
      customers: z.number().int().min(1).default(6),
      faultRate: z.number().min(0).max(1).default(0.02),
      faultInterval: duration.default(parseDuration('10s')),
      pushWebhooks: z.boolean().default(false),
      /** How often the daemon polls the built-in console when no `consoles` are configured. */
      pollInterval: duration.default(parseDuration('15s')),
    })
    .prefault({}),
});

export type Config = z.infer<typeof configSchema>;
export type ConsoleConfig = Config['consoles'][number];
