// DESIGN §5: `degraded` for longer than the grace period (default 15m) → an L2 incident, P3, no ticket.
// One row per case of what the periodic sweep asks for.
import { describe, expect, it } from 'vitest';
import { degradedIncident, degradedIncidentsDue, type DegradedFacts } from '../../src/domain/degraded.js';
import type { ComponentKind, ComponentStatus, ServerState } from '../../src/domain/types.js';

const NOW = new Date('2026-11-25T10:00:00.000Z');
const POLICY = { degradedGraceMs: 15 * 60_000, degradedPriority: 'P3' as const };
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000).toISOString();

type Comp = [name: string, kind: ComponentKind, status: ComponentStatus, since: string];
function server(components: Comp[], reachable = true, id = 'srv-0001'): ServerState {
  return {
    id, name: `${id}-name`, customerId: 'acme', reachable, reachableSince: minutesAgo(60), observedAt: NOW.toISOString(),
    components: Object.fromEntries(components.map(([name, kind, status, since]) => [name, { name, kind, status, since, observedAt: NOW.toISOString(), message: `${name} slow` }])),
  };
}
const nothingOpen: DegradedFacts = { hasOpen: () => false };

interface Row { line: string; servers: ServerState[]; facts: DegradedFacts; expected: string[] }
const rows: Row[] = [
  { line: 'a component degraded for longer than the grace period opens an incident',
    servers: [server([['raid', 'hardware', 'degraded', minutesAgo(16)], ['email', 'software', 'ok', minutesAgo(60)]])], facts: nothingOpen, expected: ['srv-0001/raid'] },
  { line: 'a component degraded for exactly the grace period opens one',
    servers: [server([['raid', 'hardware', 'degraded', minutesAgo(15)]])], facts: nothingOpen, expected: ['srv-0001/raid'] },
  { line: 'a software component degraded past the grace period is an L2 incident too (only failed software goes to L3)',
    servers: [server([['backup', 'software', 'degraded', minutesAgo(20)]])], facts: nothingOpen, expected: ['srv-0001/backup'] },
  { line: 'a component still inside its grace period is left alone',
    servers: [server([['raid', 'hardware', 'degraded', minutesAgo(14)]])], facts: nothingOpen, expected: [] },
  { line: 'a degraded component with an incident already open is left alone (one incident per component)',
    servers: [server([['raid', 'hardware', 'degraded', minutesAgo(30)], ['psu', 'hardware', 'degraded', minutesAgo(30)]])],
    facts: { hasOpen: (s, c) => s === 'srv-0001' && c === 'raid' }, expected: ['srv-0001/psu'] },
  { line: 'a degraded component under a maintenance window is not escalated',
    servers: [server([['raid', 'hardware', 'degraded', minutesAgo(30)], ['psu', 'hardware', 'degraded', minutesAgo(30)]])],
    facts: { hasOpen: () => false, inMaintenance: (_s, c) => c === 'psu' }, expected: ['srv-0001/raid'] },
  { line: 'the components of an unreachable server are stale and ignored',
    servers: [server([['raid', 'hardware', 'degraded', minutesAgo(30)]], false)], facts: nothingOpen, expected: [] },
  { line: 'a failed component is not degraded (it has its own incident)',
    servers: [server([['raid', 'hardware', 'failed', minutesAgo(30)]])], facts: nothingOpen, expected: [] },
  { line: 'an unknown component is not degraded',
    servers: [server([['raid', 'hardware', 'unknown', minutesAgo(30)]])], facts: nothingOpen, expected: [] },
  { line: 'every server of the fleet is swept',
    servers: [server([['raid', 'hardware', 'degraded', minutesAgo(30)]]), server([['raid', 'hardware', 'degraded', minutesAgo(30)]], true, 'srv-0002')],
    facts: nothingOpen, expected: ['srv-0001/raid', 'srv-0002/raid'] },
];

describe('degradedIncidentsDue', () => {
  it.each(rows)('$line', ({ servers, facts, expected }) => {
    expect(degradedIncidentsDue(servers, facts, NOW, POLICY).map((d) => `${d.server.id}/${d.component}`)).toEqual(expected);
  });

  it('asks for an L2 incident at the degraded priority, without a ticket, detected when the component degraded', () => {
    const s = server([['raid', 'hardware', 'degraded', minutesAgo(16)]]);
    expect(degradedIncidentsDue([s], nothingOpen, NOW, POLICY)).toEqual([{
      server: s, component: 'raid', detectedAt: minutesAgo(16), message: 'raid slow',
      decision: { action: 'open', reason: 'degraded', level: 2, priority: 'P3', ticket: false, component: 'raid', title: 'raid degraded on srv-0001-name for longer than the grace period' },
    }]);
  });

  it('uses the configured priority', () => {
    expect(degradedIncident(server([]), 'raid', { degradedPriority: 'P2' }).priority).toBe('P2');
  });
});
