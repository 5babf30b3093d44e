// Benchmark: bytes the file engine appends to its journal for one outbox retry while 2,000 items wait (the
// ticketing outage, when the outbox is large). One attempt writes one item: the line holds that item, not
// the outbox. Target < 4 KB (the document store appended about 560 KB).
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { FileStore } from '../../src/store/file/file-store.js';
import { cleanup, tempDir, type BenchResult } from './lib.js';

/** Journal bytes appended by one retry (attempts + 1, a new due time, the error) of one item of an outbox of `items`. */
export async function journalBytesPerOutboxRetry(items = 2_000): Promise<number> {
  const dir = tempDir('outbox-retry');
  const path = join(dir, 'store.json');
  const store = new FileStore({ path });
  try {
    await store.open();
    const at = '2026-11-25T10:00:00.000Z';
    // As the daemon fills it: one incident's ticket, diagnostics and a comment per three items.
    for (let i = 0; i < items; i += 100) {
      await store.transaction((u) => {
        for (let j = i; j < Math.min(items, i + 100); j++) {
          const incidentId = `INC-${String(Math.floor(j / 3) + 1).padStart(6, '0')}`;
          const kind = (['ticket.create', 'diagnostics.fetch', 'ticket.comment'] as const)[j % 3];
          u.outbox.add({ kind, incidentId, payload: kind === 'ticket.comment' ? { body: 'Reproduced on the console: backup job exited with code 3.', kind: 'progress' } : { reason: 'software failure' }, nextAttemptAt: at });
        }
      });
    }
    const [head] = await store.read.outbox.due('2026-11-25T10:00:00.000Z', 1);
    const before = statSync(`${path}.journal`).size;
    await store.transaction((u) => u.outbox.update({
      ...head, attempts: head.attempts + 1, nextAttemptAt: '2026-11-25T10:00:04.000Z', lastError: 'ticketing answered 503 Service Unavailable',
    }));
    return statSync(`${path}.journal`).size - before;
  } finally {
    await store.close();
    cleanup(dir);
  }
}

export async function benchOutboxRetry(): Promise<BenchResult> {
  const bytes = await journalBytesPerOutboxRetry(2_000);
  return {
    name: 'file engine: journal bytes per outbox retry, 2,000 items waiting',
    target: '< 4 KB',
    measured: { bytesPerRetry: bytes },
    pass: bytes < 4096,
  };
}
