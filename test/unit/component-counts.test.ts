// The components gauge is kept as records are replaced; it must agree with a count from scratch.
import { describe, expect, it } from 'vitest';
import { ComponentCounts } from '../../src/ingest/component-counts.js';
import type { ServerState } from '../../src/domain/types.js';

function server(id: string, statuses: Record<string, ['software' | 'hardware', 'ok' | 'degraded' | 'failed' | 'unknown']>): ServerState {
  const at = '2026-11-25T10:00:00.000Z';
  return {
    id, name: id, customerId: 'acme', reachable: true, reachableSince: at, observedAt: at,
    components: Object.fromEntries(Object.entries(statuses).map(([name, [kind, status]]) => [name, { name, kind, status, since: at, observedAt: at }])),
  };
}

const value = (c: ComponentCounts, kind: string, status: string) => c.samples().find((s) => s.labels.kind === kind && s.labels.status === status)!.value;

describe('ComponentCounts', () => {
  it('follows replacements and agrees with a recount', () => {
    const counts = new ComponentCounts();
    const a1 = server('a', { backup: ['software', 'ok'], disks: ['hardware', 'ok'] });
    const b1 = server('b', { backup: ['software', 'failed'] });
    counts.reset([a1, b1]);
    expect(value(counts, 'software', 'ok')).toBe(1);
    expect(value(counts, 'software', 'failed')).toBe(1);
    const a2 = server('a', { backup: ['software', 'degraded'], disks: ['hardware', 'failed'], email: ['software', 'ok'] });
    counts.replace(a1, a2);
    counts.replace(undefined, server('c', { nic: ['hardware', 'unknown'] }));
    const fresh = new ComponentCounts();
    fresh.reset([a2, b1, server('c', { nic: ['hardware', 'unknown'] })]);
    expect(counts.samples()).toEqual(fresh.samples());
    expect(value(counts, 'software', 'degraded')).toBe(1);
    expect(value(counts, 'hardware', 'failed')).toBe(1);
    expect(counts.samples()).toHaveLength(8);
  });
});
