// A real PostgreSQL server for the tests of the postgres engine and the cluster. Each caller gets a
// database of its own (escalatord_test_<random>), dropped afterwards, so test files run in parallel
// without meeting. Where no server answers, tests that need one are skipped with a message — except
// under CI=true, where a missing server is a failure (.ci/run starts one).
// The server: ESCALATORD_TEST_POSTGRES_URL, default postgres://root@127.0.0.1:5432/postgres.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const POSTGRES_ADMIN_URL = process.env.ESCALATORD_TEST_POSTGRES_URL ?? 'postgres://root@127.0.0.1:5432/postgres';

export interface PostgresProbe {
  available: boolean;
  /** Why not, when it is not. */
  reason?: string;
}

let probed: Promise<PostgresProbe> | undefined;

/** Whether the server answers (asked once per test file). Throws under CI=true when it does not. */
export function findPostgres(): Promise<PostgresProbe> {
  probed ??= (async () => {
    const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 3_000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return { available: true };
    } catch (err) {
      const reason = `no PostgreSQL server answers at ${redact(POSTGRES_ADMIN_URL)} (${(err as Error).message})`;
      if (process.env.CI) throw new Error(`${reason}: under CI the postgres tests must run (.ci/run starts the server)`);
      process.stderr.write(`skipping the postgres tests: ${reason}\n`);
      return { available: false, reason };
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return probed;
}

export interface TestDatabase {
  readonly name: string;
  /** The URL of the new database, for a store or a daemon's `storage.url`. */
  readonly url: string;
  /** Runs one statement on the database (a new session each time). */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Drops the database, ending any session still on it; safe to call twice. */
  drop(): Promise<void>;
}

/** Creates an empty database on the test server. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `escalatord_test_${randomBytes(6).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = withDatabase(POSTGRES_ADMIN_URL, name);
  let dropped: Promise<void> | undefined;
  return {
    name,
    url,
    async query(sql, params) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return (await client.query(sql, params)).rows;
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    drop() {
      dropped ??= admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      return dropped;
    },
  };
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}
