// Leadership over PostgreSQL: the leader is the instance whose session holds one advisory lock.
//
// Why an advisory lock on a session of its own (rather than a lease row with a term and a TTL):
// - PostgreSQL frees the lock the moment the holding session ends — the process SIGKILLed (its socket
//   closes), its backend terminated, its connection reset — so a follower takes over within one retry
//   interval, with no lease to wait out and no clocks to compare between hosts.
// - The lock belongs to one connection, so it cannot live in the pool: a pooled session is handed to
//   other work, recycled when idle or replaced after an error, and the lock would be dropped (or kept)
//   without anyone noticing. On its own session the heartbeat runs on the very connection that holds
//   the lock: a heartbeat that answers proves the lock is still held.
// - The term (cluster_leader.term, incremented by each new leader while it holds the lock) names each
//   reign, for logs, `GET /api/v1/cluster` and fencing checks.
//
// Fencing — a leader stops its side effects before anyone else can lead:
// - any error or end of the lock session steps down at once: the listeners are told synchronously,
//   before the next tick of the event loop, so no timer or job of the old reign runs after it;
// - a heartbeat (every `heartbeatMs`, on the lock session) that fails or takes longer than
//   `heartbeatTimeoutMs` steps down too and drops the session;
// - the server ends a lock session that has been silent for `sessionIdleTimeoutMs` (idle_session_timeout,
//   longer than heartbeat + timeout): a leader that is frozen or cut off has stepped down by its own
//   clock before the server frees the lock for someone else.
// A side effect already in flight when a leader steps down (an HTTP call to the ticketing system) may
// still land; the ticket's Idempotency-Key and the adapters' look-up make the new leader's retry harmless.
import type pg from 'pg';
import { LOCKS } from '../store/postgres/locks.js';
import { migrate } from '../store/postgres/migrations.js';
import { tellListeners, type ClusterMember, type Leadership, type LeadershipListener, type LeadershipState } from './leadership.js';

export interface PostgresLeadershipOptions {
  /** The database the instances share (`storage.url`). */
  url: string;
  instanceId: string;
  /** How often the leader checks its lock session and every instance reports in (default 1000 ms). */
  heartbeatMs?: number;
  /** A heartbeat slower than this counts as a lost session (default 2 × heartbeatMs). */
  heartbeatTimeoutMs?: number;
  /** A follower tries to take the lock every retryMs plus up to retryMs of jitter (default 1000 ms: every 1–2 s). */
  retryMs?: number;
  /** Members seen within this long are listed (default 10 s). */
  memberTtlMs?: number;
  /** The server ends a lock session silent this long; must exceed heartbeat + timeout (default their sum + 2 s). */
  sessionIdleTimeoutMs?: number;
  applicationName?: string;
  onError?: (err: unknown, what: string) => void;
  random?: () => number;
}

export class HeartbeatTimeoutError extends Error {
  readonly code = 'heartbeat_timeout';
}

interface HeartbeatRow {
  term: string;
  leader: string | null;
  members: Array<{ instance: string; lastSeen: string }>;
}

export class PostgresLeadership implements Leadership {
  readonly instanceId: string;
  private readonly heartbeatMs: number;
  private readonly heartbeatTimeoutMs: number;
  private readonly retryMs: number;
  private readonly memberTtlMs: number;
  private readonly idleTimeoutMs: number;
  private readonly random: () => number;
  private readonly listeners = new Set<LeadershipListener>();
  private session: pg.Client | undefined;
  private migrated = false;
  private leading = false;
  /** After losing the lead, no attempt to take it again before this instant (ms since the epoch). */
  private holdOffUntil = 0;
  private knownTerm = 0;
  private knownLeader: string | null = null;
  private memberList: ClusterMember[] = [];
  private readonly joinedAt = new Date().toISOString();
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> = Promise.resolve();
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: PostgresLeadershipOptions) {
    this.instanceId = options.instanceId;
    this.heartbeatMs = options.heartbeatMs ?? 1000;
    this.heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? 2 * this.heartbeatMs;
    this.retryMs = options.retryMs ?? 1000;
    this.memberTtlMs = options.memberTtlMs ?? 10_000;
    this.idleTimeoutMs = options.sessionIdleTimeoutMs ?? this.heartbeatMs + this.heartbeatTimeoutMs + 2000;
    this.random = options.random ?? Math.random;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  get term(): number {
    return this.knownTerm;
  }

  get leader(): string | null {
    return this.knownLeader;
  }

  onChange(listener: LeadershipListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  members(): ClusterMember[] {
    const cutoff = Date.now() - this.memberTtlMs;
    return this.memberList.filter((m) => Date.parse(m.lastSeen) > cutoff);
  }

  async start(): Promise<void> {
    if (this.running || this.stopping) return;
    this.running = true;
    await this.tick();
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.running = false;
      clearTimeout(this.timer);
      await this.ticking;
      const s = this.session;
      this.session = undefined;
      const term = this.knownTerm;
      const wasLeading = this.leading;
      this.stepDown();
      if (!s) return;
      try {
        if (wasLeading) {
          await this.query(s, 'UPDATE cluster_leader SET instance = NULL WHERE id = 1 AND instance = $1 AND term = $2', [this.instanceId, term]);
          await this.query(s, 'SELECT pg_advisory_unlock($1)', [LOCKS.leader]);
        }
        await this.query(s, 'DELETE FROM cluster_members WHERE instance = $1', [this.instanceId]);
      } catch (err) {
        // Ending the session below releases the lock all the same.
        this.options.onError?.(err, 'leaving the cluster');
      } finally {
        await s.end().catch(() => undefined);
      }
    })();
    return this.stopping;
  }

  private tick(): Promise<void> {
    this.ticking = this.ticking.then(() => this.beat()).catch((err: unknown) => this.options.onError?.(err, 'leadership'));
    return this.ticking;
  }

  private schedule(): void {
    if (!this.running) return;
    clearTimeout(this.timer);
    // A leader that has just lost its session waits out one whole round of the followers' attempts
    // (each within 2 × retryMs) before trying again: a healthy follower takes over, not the instance
    // whose connection just failed.
    const ms = this.leading
      ? this.heartbeatMs
      : Math.max(this.retryMs + this.random() * this.retryMs, this.holdOffUntil + this.random() * this.retryMs - Date.now());
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  private async beat(): Promise<void> {
    if (!this.running) return;
    let s: pg.Client | undefined;
    try {
      s = this.session ?? (await this.connect());
      if (!this.leading) {
        const { rows } = await this.query<{ got: boolean }>(s, 'SELECT pg_try_advisory_lock($1) AS got', [LOCKS.leader]);
        if (rows[0].got) {
          const res = await this.query<{ term: string }>(s, 'UPDATE cluster_leader SET term = term + 1, instance = $1, since = now() WHERE id = 1 RETURNING term', [this.instanceId]);
          if (this.session !== s || !this.running) throw new Error('the lock session ended while taking the lead');
          this.knownTerm = Number(res.rows[0].term);
          this.knownLeader = this.instanceId;
          this.leading = true;
          this.tell();
        }
      }
      await this.heartbeat(s);
    } catch (err) {
      this.options.onError?.(err, this.leading ? 'the leader lock session' : 'the cluster session');
      if (s) this.drop(s);
    }
    this.schedule();
  }

  /** Reports in, and learns the term, the leader and the members; the leader checks it still is one. */
  private async heartbeat(s: pg.Client): Promise<void> {
    const { rows } = await this.query<HeartbeatRow>(
      s,
      `WITH me AS (INSERT INTO cluster_members (instance, role, started_at, last_seen) VALUES ($1, $2, $3, now())
                   ON CONFLICT (instance) DO UPDATE SET role = EXCLUDED.role, last_seen = now()),
            gone AS (DELETE FROM cluster_members WHERE last_seen < now() - interval '1 hour')
       SELECT l.term, l.instance AS leader,
              (SELECT coalesce(json_agg(json_build_object('instance', c.instance, 'lastSeen', c.last_seen) ORDER BY c.instance), '[]'::json)
                 FROM cluster_members c WHERE c.last_seen > now() - $4 * interval '1 millisecond') AS members
       FROM cluster_leader l WHERE l.id = 1`,
      [this.instanceId, this.leading ? 'leader' : 'follower', this.joinedAt, this.memberTtlMs],
    );
    const row = rows[0];
    const term = Number(row.term);
    if (this.leading && (row.leader !== this.instanceId || term !== this.knownTerm)) {
      // Someone else's term: whatever happened to our lock, we no longer lead.
      throw new Error(`the leader row names ${row.leader ?? 'no one'} in term ${term}, not this instance in term ${this.knownTerm}`);
    }
    this.knownTerm = term;
    this.knownLeader = row.leader;
    const now = new Date().toISOString();
    const others = row.members.filter((m) => m.instance !== this.instanceId).map((m) => ({
      instance: m.instance,
      role: (m.instance === row.leader ? 'leader' : 'follower') as ClusterMember['role'],
      lastSeen: new Date(m.lastSeen).toISOString(),
    }));
    const me: ClusterMember = { instance: this.instanceId, role: this.leading ? 'leader' : 'follower', lastSeen: now };
    this.memberList = [me, ...others].sort((a, b) => (a.instance < b.instance ? -1 : a.instance > b.instance ? 1 : 0));
  }

  private async connect(): Promise<pg.Client> {
    const idle = Math.max(1000, Math.round(this.idleTimeoutMs));
    // The driver is loaded on first use: only the postgres engine has a leader lock.
    const { default: driver } = await import('pg');
    const c = new driver.Client({
      connectionString: this.options.url,
      application_name: `${this.options.applicationName ?? 'escalatord'} leader lock`,
      keepAlive: true,
      connectionTimeoutMillis: this.heartbeatTimeoutMs,
      statement_timeout: this.heartbeatTimeoutMs,
      // The server's side of fencing (see the top of this file), and keepalives so it notices a dead peer.
      options: `-c idle_session_timeout=${idle} -c tcp_keepalives_idle=${Math.ceil(idle / 3000)} -c tcp_keepalives_interval=1 -c tcp_keepalives_count=2`,
    });
    c.on('error', (err) => this.lost(c, err));
    c.on('end', () => this.lost(c, new Error('the lock session ended')));
    try {
      await c.connect();
      if (!this.migrated) {
        await migrate(c);
        this.migrated = true;
      }
    } catch (err) {
      this.kill(c);
      throw err;
    }
    this.session = c;
    return c;
  }

  /** The session failed or ended on its own: step down now, reconnect on the next tick. */
  private lost(c: pg.Client, err: unknown): void {
    if (this.session !== c) return;
    this.options.onError?.(err, 'the lock session');
    this.drop(c);
    this.schedule();
  }

  private drop(c: pg.Client): void {
    if (this.session === c) this.session = undefined;
    this.stepDown();
    this.kill(c);
  }

  private stepDown(): void {
    if (!this.leading) return;
    this.leading = false;
    this.holdOffUntil = Date.now() + 2 * this.retryMs;
    if (this.knownLeader === this.instanceId) this.knownLeader = null;
    this.tell();
  }

  private tell(): void {
    const state: LeadershipState = { isLeader: this.leading, term: this.knownTerm, leader: this.knownLeader };
    tellListeners(this.listeners, state, (err) => this.options.onError?.(err, 'a leadership listener'));
  }

  /** Closes the socket at once (a polite end() can wait for ever on a dead network). */
  private kill(c: pg.Client): void {
    void c.end().catch(() => undefined);
    (c as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
  }

  private query<R extends pg.QueryResultRow>(s: pg.Client, sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new HeartbeatTimeoutError(`no answer from the database within ${this.heartbeatTimeoutMs} ms`)), this.heartbeatTimeoutMs);
    });
    return Promise.race([s.query<R>(sql, params), timeout]).finally(() => clearTimeout(timer));
  }
}
