// Versioned schema migrations of the postgres engine, applied at start-up. Every instance runs them as
// it opens, so they run in one transaction under an advisory lock: two instances starting together
// take turns, and the second finds nothing left to do. A database migrated by a newer daemon is refused
// rather than written with an older idea of the schema.
import type { ClientBase } from 'pg';
import { LOCKS } from './locks.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

// Ids compare byte-wise (COLLATE "C"), as the memory engine compares strings: the database's locale must
// not change the order of a list or the meaning of a cursor. Instants are kept as the ISO strings the
// daemon writes (UTC, toISOString()), compared byte-wise too, so every engine answers a query about
// time alike and a record reads back exactly as it was written; cast with ::timestamptz to query by hand.
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'storage port tables',
    sql: `
CREATE TABLE servers (
  id          text COLLATE "C" PRIMARY KEY,
  customer_id text COLLATE "C" NOT NULL,
  data        jsonb NOT NULL
);
CREATE INDEX servers_customer ON servers (customer_id, id);

CREATE SEQUENCE incident_number;
CREATE TABLE incidents (
  id          text COLLATE "C" PRIMARY KEY,
  status      text NOT NULL,
  level       smallint NOT NULL,
  priority    text NOT NULL,
  type        text NOT NULL,
  source      text NOT NULL,
  server_id   text COLLATE "C" NOT NULL,
  customer_id text COLLATE "C" NOT NULL,
  component   text COLLATE "C",
  ticket_id   text COLLATE "C",
  created_at  text COLLATE "C" NOT NULL,
  -- resolvedAt (or updatedAt) of a resolved incident: the sweeper's order.
  resolved_at text COLLATE "C",
  data        jsonb NOT NULL
);
-- Lists are newest first by id; each filter has an index that ends in id, so a page is an index range.
CREATE INDEX incidents_status ON incidents (status, id);
CREATE INDEX incidents_level ON incidents (level, id);
CREATE INDEX incidents_priority ON incidents (priority, id);
CREATE INDEX incidents_server ON incidents (server_id, id);
CREATE INDEX incidents_customer ON incidents (customer_id, id);
CREATE INDEX incidents_open ON incidents (id) WHERE status <> 'resolved';
CREATE INDEX incidents_open_server ON incidents (server_id, id) WHERE status <> 'resolved';
CREATE INDEX incidents_ticket ON incidents (ticket_id) WHERE ticket_id IS NOT NULL;
CREATE INDEX incidents_resolved ON incidents (resolved_at, id) WHERE status = 'resolved';
-- One open monitoring incident per server and component, whichever instance a failure was reported to.
-- A partial unique index in effect, written as an exclusion constraint so that it can be checked at
-- COMMIT: a unit may open the next incident before it writes the resolution of the last one.
-- The component is a (is null, value) pair so that a null component and '' stay two keys.
ALTER TABLE incidents ADD CONSTRAINT incidents_open_key
  EXCLUDE USING btree (server_id WITH =, (component IS NULL) WITH =, coalesce(component, '') WITH =)
  WHERE (status <> 'resolved' AND source <> 'manual') DEFERRABLE INITIALLY DEFERRED;

CREATE TABLE outbox (
  id              text COLLATE "C" PRIMARY KEY,
  seq             bigserial NOT NULL UNIQUE,
  lane            text COLLATE "C" NOT NULL,
  kind            text NOT NULL,
  incident_id     text COLLATE "C" NOT NULL,
  next_attempt_at text COLLATE "C" NOT NULL,
  attempts        integer NOT NULL,
  data            jsonb NOT NULL
);
CREATE INDEX outbox_lane ON outbox (lane, seq);
CREATE INDEX outbox_due ON outbox (next_attempt_at, seq);
CREATE INDEX outbox_incident ON outbox (incident_id, seq);

-- The newest 1,000 are kept (trimmed on every insert, by n).
CREATE TABLE dead_letters (
  n         bigserial PRIMARY KEY,
  id        text COLLATE "C" NOT NULL,
  failed_at text COLLATE "C" NOT NULL,
  data      jsonb NOT NULL,
  UNIQUE (id, failed_at)
);

-- seq is assigned by the sequencing pass (sequencer.ts), under the counter row's lock: no reader sees a gap.
CREATE TABLE events (
  seq   bigint PRIMARY KEY,
  type  text NOT NULL,
  data  jsonb NOT NULL,
  scope jsonb,
  at    text COLLATE "C" NOT NULL
);
CREATE TABLE counters (
  name  text PRIMARY KEY,
  value bigint NOT NULL
);
INSERT INTO counters (name, value) VALUES ('events', 0);

CREATE TABLE dedup (
  key        text COLLATE "C" PRIMARY KEY,
  expires_at text COLLATE "C" NOT NULL
);
CREATE INDEX dedup_expiry ON dedup (expires_at);

CREATE TABLE maintenance (
  id   text COLLATE "C" PRIMARY KEY,
  n    bigserial NOT NULL,
  data jsonb NOT NULL
);

CREATE TABLE meta (
  key   text COLLATE "C" PRIMARY KEY,
  value jsonb NOT NULL
);

CREATE TABLE audit (
  id          bigserial PRIMARY KEY,
  at          text COLLATE "C" NOT NULL,
  incident_id text COLLATE "C" NOT NULL,
  actor       jsonb NOT NULL,
  action      text NOT NULL,
  note        text,
  data        jsonb
);
CREATE INDEX audit_at ON audit (at, id);
CREATE INDEX audit_incident ON audit (incident_id, id);
`,
  },
  {
    version: 2,
    name: 'cluster leadership and members',
    sql: `
-- One row: the current term (incremented by each new leader) and who holds it.
CREATE TABLE cluster_leader (
  id       smallint PRIMARY KEY CHECK (id = 1),
  term     bigint NOT NULL,
  instance text,
  since    timestamptz
);
INSERT INTO cluster_leader (id, term) VALUES (1, 0);

CREATE TABLE cluster_members (
  instance   text COLLATE "C" PRIMARY KEY,
  role       text NOT NULL,
  started_at timestamptz NOT NULL,
  last_seen  timestamptz NOT NULL
);
CREATE INDEX cluster_members_seen ON cluster_members (last_seen);
`,
  },
  {
    version: 3,
    name: 'event and audit queue, sequenced after commit',
    sql: `
-- A unit of work queues its events and audit entries here, in its own transaction; a sequencing pass
-- (one at a time across instances) moves every committed entry to events and audit, numbering them.
-- Units commit side by side (one WAL flush serves many); only the short passes take turns.
CREATE SEQUENCE log_unit;
CREATE TABLE log_queue (
  unit bigint NOT NULL,
  ord  integer NOT NULL,
  kind text NOT NULL CHECK (kind IN ('event', 'audit')),
  body jsonb NOT NULL,
  PRIMARY KEY (unit, ord)
);
`,
  },
  {
    version: 4,
    name: 'a numbering pass in one round trip',
    sql: `
-- The sequencing pass of sequencer.ts as one function: called outside a transaction it runs in one of
-- its own, so the lock, the move and the notification cost one round trip instead of five. The lock is
-- taken by the first statement; each later statement of a volatile function sees a fresh snapshot, so
-- the move sees every unit committed before the lock was granted.
CREATE FUNCTION escalatord_sequence_pass(batch integer)
RETURNS TABLE (moved bigint, last bigint, seq bigint, type text, data jsonb, scope jsonb, at text)
LANGUAGE plpgsql VOLATILE AS $fn$
#variable_conflict use_column
DECLARE
  before bigint;
  after bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(7310548020003);
  SELECT c.value INTO before FROM counters c WHERE c.name = 'events';
  RETURN QUERY
  WITH q AS (
    DELETE FROM log_queue WHERE (unit, ord) IN (SELECT unit, ord FROM log_queue ORDER BY unit, ord LIMIT batch)
    RETURNING unit, ord, kind, body
  ),
  ev AS (SELECT row_number() OVER (ORDER BY unit, ord) AS k, body FROM q WHERE kind = 'event'),
  n AS (SELECT count(*) AS c FROM ev),
  c AS (UPDATE counters SET value = value + n.c FROM n WHERE name = 'events' AND n.c > 0 RETURNING value),
  ins AS (
    INSERT INTO events (seq, type, data, scope, at)
    SELECT c.value - n.c + ev.k, ev.body->>'type', ev.body->'data', nullif(ev.body->'scope', 'null'::jsonb), ev.body->>'at'
    FROM ev, c, n
    RETURNING seq, type, data, scope, at
  ),
  au AS (
    INSERT INTO audit (at, incident_id, actor, action, note, data)
    SELECT q.body->>'at', q.body->>'incidentId', q.body->'actor', q.body->>'action', q.body->>'note', nullif(q.body->'data', 'null'::jsonb)
    FROM q WHERE q.kind = 'audit' ORDER BY q.unit, q.ord
  )
  SELECT (SELECT count(*) FROM q), coalesce((SELECT value FROM c), before), ins.seq, ins.type, ins.data, ins.scope, ins.at::text
  FROM (SELECT 1) one LEFT JOIN ins ON true ORDER BY ins.seq;
  SELECT c.value INTO after FROM counters c WHERE c.name = 'events';
  IF after > before THEN
    PERFORM pg_notify('escalatord_events', after::text);
  END IF;
END
$fn$;
`,
  },
  {
    version: 5,
    name: 'incidents found by their ticket number',
    sql: `
-- ServiceNow names a record by its number (INC0010001) as well as its sys_id (ticket_id): byTicket
-- matches either, each through an index.
CREATE INDEX incidents_ticket_number ON incidents ((data->'ticket'->>'number')) WHERE data->'ticket'->>'number' IS NOT NULL;
`,
  },
  {
    version: 6,
    name: 'audit entries of no incident',
    sql: `
-- Staff changes that concern no incident (maintenance windows created and deleted) are audited too; the
-- sequencing pass already writes a missing incidentId as NULL.
ALTER TABLE audit ALTER COLUMN incident_id DROP NOT NULL;
`,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

export class SchemaTooNewError extends Error {
  readonly code = 'schema_too_new';
}

/**
 * Brings the database to SCHEMA_VERSION on `client` (a session of its own, outside any transaction).
 * Returns the versions it applied.
 */
export async function migrate(client: ClientBase, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  const applied: number[] = [];
  await client.query('BEGIN');
  try {
    // Taken before anything else, CREATE TABLE IF NOT EXISTS included: two of those racing fail.
    await client.query('SELECT pg_advisory_xact_lock($1)', [LOCKS.migrations]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    integer PRIMARY KEY,
      name       text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    const done = new Set(rows.map((r) => r.version));
    const newest = rows.length > 0 ? rows[rows.length - 1].version : 0;
    const known = migrations.length > 0 ? migrations[migrations.length - 1].version : 0;
    if (newest > known) {
      throw new SchemaTooNewError(`the database schema is at version ${newest}, newer than this escalatord knows (${known}): upgrade escalatord`);
    }
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await client.query(m.sql);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push(m.version);
    }
    await client.query('COMMIT');
    return applied;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
