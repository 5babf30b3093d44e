// Advisory lock keys of escalatord, in one place so no two uses share a key by accident. Advisory locks
// are per database, so instances on other databases (test runs, other tenants) never meet.
// Single-key locks take a bigint; per-record locks use the two-key form (namespace, hashtext(id)), a
// space of its own in PostgreSQL, so a record lock can never collide with a single-key lock.
export const LOCKS = {
  /** Transaction lock: schema migrations, one instance at a time. */
  migrations: '7310548020001',
  /** Session lock: held by the leader on its own connection for as long as it leads. */
  leader: '7310548020002',
  /** Transaction lock: one sequencing pass at a time, so event numbers become visible in order. */
  sequencer: '7310548020003',
} as const;

/** First key of the two-key per-record locks (an int4). */
export const RECORD_LOCK_NAMESPACE = {
  server: 73105481,
} as const;
