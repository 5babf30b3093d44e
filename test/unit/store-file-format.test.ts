// The file engine's formats without a disk: the snapshot's text, the journal's lines, the schema-1 migration.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { migrateLegacy } from '../../src/store/file/document.js';
import { StoreCorruptError } from '../../src/store/file/errors.js';
import { encodeJournalLine, opProblem, parseJournal } from '../../src/store/file/journal-lines.js';
import { chunked, snapshotPieces } from '../../src/store/file/snapshot-json.js';

describe('snapshot text', () => {
  it('is JSON.stringify of the document, whatever the records hold', () => {
    const record = fc.dictionary(fc.string(), fc.jsonValue());
    fc.assert(fc.property(
      fc.record({ incidents: fc.array(record), events: fc.array(record), dedup: fc.array(fc.tuple(fc.string(), fc.string())), meta: fc.array(fc.tuple(fc.string(), fc.jsonValue())), lastSeq: fc.nat() }),
      (doc) => {
        const text = Buffer.concat([...chunked(snapshotPieces(doc), 64)]).toString('utf8');
        expect(text).toBe(JSON.stringify(doc));
      },
    ));
  });

  it('reuses the text of a record it has seen, so a record must never change in place', () => {
    const record = { id: 'a', n: 1 };
    expect(snapshotPieces({ incidents: [record] }).join('')).toBe('{"incidents":[{"id":"a","n":1}]}');
    record.n = 2; // what a change in place would do: the cached text is stale (records are frozen in tests)
    expect(snapshotPieces({ incidents: [record] }).join('')).toBe('{"incidents":[{"id":"a","n":1}]}');
  });
});

describe('journal lines', () => {
  it('reads back what was written, counting bytes (not characters) up to the last newline', () => {
    const a = encodeJournalLine([['meta.put', 'k', 'é€😀']]);
    const b = encodeJournalLine([['dedup.put', 'x', '2100-01-01T00:00:00.000Z'], ['counter', 'incident', 3]]);
    const torn = Buffer.from('[["meta.put","torn","é', 'utf8');
    const parsed = parseJournal(Buffer.concat([a, b, torn]), 'j');
    expect(parsed.lines).toEqual([[['meta.put', 'k', 'é€😀']], [['dedup.put', 'x', '2100-01-01T00:00:00.000Z'], ['counter', 'incident', 3]]]);
    expect(parsed.goodLength).toBe(a.length + b.length);
  });

  it('takes an empty batch (the recovery probe) as a line with nothing to apply', () => {
    expect(parseJournal(encodeJournalLine([]), 'j').lines).toEqual([[]]);
  });

  it.each([
    ['"text"', /line 1 is not a list of operations/],
    ['[1]', /line 1 holds an operation that is not a tagged list/],
    ['[["server.put","srv-1"]]', /malformed server.put/],
    ['[["outbox.put",{"id":"ob-1"}]]', /malformed outbox.put/],
    ['[["events.trim","5"]]', /malformed events.trim/],
    ['[["counter","servers",1]]', /malformed counter/],
    ['[["meta.put","k"]]', /malformed meta.put/],
  ])('refuses the line %s as corrupt', (line, message) => {
    expect(() => parseJournal(Buffer.from(`${line}\n`), 'store.json.journal')).toThrow(StoreCorruptError);
    expect(() => parseJournal(Buffer.from(`${line}\n`), 'store.json.journal')).toThrow(message);
  });

  it('knows every op a unit of work writes', () => {
    const ok: unknown[] = [
      ['server.put', { id: 's' }], ['server.del', 's'], ['incident.put', { id: 'i' }], ['incident.del', 'i'],
      ['outbox.put', { id: 'o', lane: 'l', seq: 1 }], ['outbox.del', 'o'], ['dead.add', { id: 'o', failedAt: 'x' }],
      ['event', { seq: 1 }], ['events.trim', 1], ['dedup.put', 'k', 'x'], ['dedup.del', 'k'], ['mw.put', { id: 'w' }], ['mw.del', 'w'],
      ['meta.put', 'k', null], ['audit', { id: 1 }], ['audit.trim', 1], ['counter', 'outbox', 1],
    ];
    expect(ok.map(opProblem)).toEqual(ok.map(() => null));
  });
});

describe('schema-1 migration', () => {
  const now = new Date('2026-11-25T12:00:00.000Z');

  it('gives dedup keys an expiry of first-seen plus the retention, oldest first, and an unreadable one an expiry from now', () => {
    const doc = migrateLegacy({ schemaVersion: 1, dedup: { b: '2026-11-25T10:00:00.000Z', a: '2026-11-25T09:00:00.000Z', bad: 'yesterday' } }, 'f', { dedupRetentionMs: 60_000, now });
    expect(doc.dedup).toEqual([['a', '2026-11-25T09:01:00.000Z'], ['b', '2026-11-25T10:01:00.000Z'], ['bad', '2026-11-25T12:01:00.000Z']]);
  });

  it('numbers outbox items from their ids, in their order, and keeps the counter ahead of them', () => {
    const item = (id: string, kind = 'ticket.comment') => ({ id, kind, incidentId: 'INC-1', payload: {}, attempts: 0, nextAttemptAt: 'x', createdAt: 'x' });
    const doc = migrateLegacy({ outbox: [item('ob-3'), item('odd'), item('ob-2'), item('ob-9', 'diagnostics.fetch')], counters: { incident: 1, outbox: 4 } }, 'f', { dedupRetentionMs: 1, now });
    expect(doc.outbox.map((o) => [o.id, o.seq, o.lane])).toEqual([['ob-3', 3, 'INC-1'], ['odd', 4, 'INC-1'], ['ob-2', 5, 'INC-1'], ['ob-9', 9, 'INC-1#diagnostics']]);
    expect(doc.counters).toEqual({ incident: 1, outbox: 9 });
  });

  it('refuses collections of the wrong shape', () => {
    expect(() => migrateLegacy({ incidents: [] }, 'f', { dedupRetentionMs: 1, now })).toThrow(/incidents is malformed/);
    expect(() => migrateLegacy({ events: [1] }, 'f', { dedupRetentionMs: 1, now })).toThrow(/events is malformed/);
  });
});
