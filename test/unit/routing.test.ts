// The routing policy of DESIGN §5, one table row per line of the contract: what each state change asks
// for, given what is already open and whether a maintenance window covers the server.
import { describe, expect, it } from 'vitest';
import { createIncident } from '../../src/domain/incident.js';
import { route, type Decision, type RoutingContext, type RoutingPolicy } from '../../src/domain/routing.js';
import type { StateChange } from '../../src/domain/status-diff.js';
import type { ComponentKind, ComponentStatus, Incident, Priority, ServerState } from '../../src/domain/types.js';

const NOW = new Date('2026-11-25T10:00:00.000Z');
const AT = NOW.toISOString();

// Distinct priorities per signal, so a row can only pass when the right policy field was used.
const POLICY: RoutingPolicy = {
  degradedGraceMs: 15 * 60_000,
  softwareFailurePriority: 'P2',
  multipleSoftwareFailuresPriority: 'P1',
  hardwarePriority: 'P3',
  unreachablePriority: 'P4',
  degradedPriority: 'P3',
};

type Comp = [name: string, kind: ComponentKind, status: ComponentStatus, since?: string];

function server(components: Comp[], reachable = true): ServerState {
  return {
    id: 'srv-0001', name: 'acme-hq-01', customerId: 'acme', reachable, reachableSince: AT, observedAt: AT,
    components: Object.fromEntries(components.map(([name, kind, status, since]) => [name, { name, kind, status, since: since ?? AT, observedAt: AT }])),
  };
}

function incident(id: string, component: string | null, priority: Priority = 'P2', level: 1 | 2 | 3 = 3): Incident {
  return createIncident({
    id, type: 'fault', title: 't', serverId: 'srv-0001', customerId: 'acme', component, componentKind: component ? 'software' : null,
    source: 'poll', priority, level, reporter: null, symptoms: [], requestType: null, detectedAt: AT, actor: { kind: 'system', name: 'escalatord' },
  }, NOW);
}

const comp = (component: string, kind: ComponentKind, from: ComponentStatus | null, to: ComponentStatus, message?: string): StateChange => ({
  type: 'component', serverId: 'srv-0001', customerId: 'acme', component, kind, from, to, message, at: AT,
});
const reach = (from: boolean | null, to: boolean): StateChange => ({ type: 'reachability', serverId: 'srv-0001', customerId: 'acme', from, to, at: AT });

const ctx = (s: ServerState, extra: Partial<RoutingContext> = {}): RoutingContext => ({ server: s, open: undefined, openSoftwareIncidents: [], inMaintenance: false, ...extra });

interface Row {
  line: string;
  change: StateChange;
  context: RoutingContext;
  expected: Decision[];
}

const openBackup = incident('INC-000001', 'backup', 'P2');
const openEmail = incident('INC-000002', 'email', 'P2');
const openP1Email = incident('INC-000003', 'email', 'P1');
const openReach = incident('INC-000004', null, 'P4', 2);

const rows: Row[] = [
  {
    line: 'a failed software component opens an L3 incident with a ticket',
    change: comp('backup', 'software', 'ok', 'failed', 'backup job exited with code 3'),
    context: ctx(server([['backup', 'software', 'failed'], ['email', 'software', 'ok']])),
    expected: [{ action: 'open', reason: 'software-failure', level: 3, priority: 'P2', ticket: true, component: 'backup', title: 'backup failed on acme-hq-01: backup job exited with code 3' }],
  },
  {
    line: 'a second failed software component on the server opens at P1 and raises the other open one to P1',
    change: comp('backup', 'software', 'ok', 'failed'),
    context: ctx(server([['backup', 'software', 'failed'], ['email', 'software', 'failed']]), { openSoftwareIncidents: [openEmail] }),
    expected: [
      { action: 'open', reason: 'software-failure', level: 3, priority: 'P1', ticket: true, component: 'backup', title: 'backup failed on acme-hq-01' },
      { action: 'raise-priority', incidentIds: ['INC-000002'], priority: 'P1' },
    ],
  },
  {
    line: 'a second software failure does not "raise" an incident already at P1',
    change: comp('backup', 'software', 'ok', 'failed'),
    context: ctx(server([['backup', 'software', 'failed'], ['email', 'software', 'failed']]), { openSoftwareIncidents: [openP1Email] }),
    expected: [{ action: 'open', reason: 'software-failure', level: 3, priority: 'P1', ticket: true, component: 'backup', title: 'backup failed on acme-hq-01' }],
  },
  {
    line: 'a failed hardware component opens an L2 "hardware fault suspected" incident without a ticket',
    change: comp('disks', 'hardware', 'ok', 'failed', 'disk 2 failed'),
    context: ctx(server([['disks', 'hardware', 'failed']])),
    expected: [{ action: 'open', reason: 'hardware-failure', level: 2, priority: 'P3', ticket: false, component: 'disks', title: 'Hardware fault suspected: disks on acme-hq-01 (disk 2 failed)' }],
  },
  {
    line: 'an unreachable server opens an L2 connectivity incident on the server itself',
    change: reach(true, false),
    context: ctx(server([], false)),
    expected: [{ action: 'open', reason: 'unreachable', level: 2, priority: 'P4', ticket: false, component: null, title: 'acme-hq-01 unreachable: isolate client device, LAN, Internet connection or server' }],
  },
  {
    line: 'a server first seen unreachable opens the connectivity incident too',
    change: reach(null, false),
    context: ctx(server([], false)),
    expected: [{ action: 'open', reason: 'unreachable', level: 2, priority: 'P4', ticket: false, component: null, title: 'acme-hq-01 unreachable: isolate client device, LAN, Internet connection or server' }],
  },
  {
    line: 'a degraded component asks for nothing at once (the sweep handles the grace period)',
    change: comp('raid', 'hardware', 'ok', 'degraded'),
    context: ctx(server([['raid', 'hardware', 'degraded']])),
    expected: [],
  },
  {
    line: 'a software component back to ok marks its open incident recovered',
    change: comp('backup', 'software', 'failed', 'ok'),
    context: ctx(server([['backup', 'software', 'ok']]), { open: openBackup }),
    expected: [{ action: 'recovered', incidentId: 'INC-000001' }],
  },
  {
    line: 'a component back to ok with nothing open asks for nothing',
    change: comp('backup', 'software', 'degraded', 'ok'),
    context: ctx(server([['backup', 'software', 'ok']])),
    expected: [],
  },
  {
    line: 'a server reachable again marks its connectivity incident recovered',
    change: reach(false, true),
    context: ctx(server([]), { open: openReach }),
    expected: [{ action: 'recovered', incidentId: 'INC-000004' }],
  },
  {
    line: 'a flapping software component fails again while its incident is open: relapsed, never a second open',
    change: comp('backup', 'software', 'ok', 'failed'),
    context: ctx(server([['backup', 'software', 'failed']]), { open: openBackup }),
    expected: [{ action: 'relapsed', incidentId: 'INC-000001' }],
  },
  {
    line: 'a flapping hardware component fails again while its incident is open: relapsed',
    change: comp('disks', 'hardware', 'ok', 'failed'),
    context: ctx(server([['disks', 'hardware', 'failed']]), { open: incident('INC-000005', 'disks', 'P3', 2) }),
    expected: [{ action: 'relapsed', incidentId: 'INC-000005' }],
  },
  {
    line: 'a flapping server goes unreachable again while its incident is open: relapsed',
    change: reach(true, false),
    context: ctx(server([], false), { open: openReach }),
    expected: [{ action: 'relapsed', incidentId: 'INC-000004' }],
  },
  {
    line: 'a component degrading again while its incident is open: relapsed',
    change: comp('backup', 'software', 'ok', 'degraded'),
    context: ctx(server([['backup', 'software', 'degraded']]), { open: openBackup }),
    expected: [{ action: 'relapsed', incidentId: 'INC-000001' }],
  },
  {
    line: 'a software failure inside a maintenance window is recorded, not escalated',
    change: comp('backup', 'software', 'ok', 'failed'),
    context: ctx(server([['backup', 'software', 'failed']]), { inMaintenance: true }),
    expected: [{ action: 'maintenance', reason: 'backup failed on srv-0001 during maintenance' }],
  },
  {
    line: 'a hardware failure inside a maintenance window is recorded, not escalated',
    change: comp('disks', 'hardware', 'ok', 'failed'),
    context: ctx(server([['disks', 'hardware', 'failed']]), { inMaintenance: true }),
    expected: [{ action: 'maintenance', reason: 'disks failed on srv-0001 during maintenance' }],
  },
  {
    line: 'an unreachable server inside a maintenance window is recorded, not escalated',
    change: reach(true, false),
    context: ctx(server([], false), { inMaintenance: true }),
    expected: [{ action: 'maintenance', reason: 'srv-0001 unreachable during maintenance' }],
  },
  {
    line: 'a recovery inside a maintenance window still marks the open incident recovered',
    change: comp('backup', 'software', 'failed', 'ok'),
    context: ctx(server([['backup', 'software', 'ok']]), { open: openBackup, inMaintenance: true }),
    expected: [{ action: 'recovered', incidentId: 'INC-000001' }],
  },
  {
    line: 'a component whose status is unknown asks for nothing',
    change: comp('backup', 'software', 'ok', 'unknown'),
    context: ctx(server([['backup', 'software', 'unknown']])),
    expected: [],
  },
  {
    line: 'a component going unknown with an incident open asks for nothing either',
    change: comp('backup', 'software', 'failed', 'unknown'),
    context: ctx(server([['backup', 'software', 'unknown']]), { open: openBackup }),
    expected: [],
  },
];

describe('route (DESIGN §5)', () => {
  it.each(rows)('$line', ({ change, context, expected }) => {
    expect(route(change, context, POLICY)).toEqual(expected);
  });

  it('never opens a second incident for a component that already has one, whatever the signal', () => {
    for (const to of ['failed', 'degraded', 'ok', 'unknown'] as const) {
      for (const kind of ['software', 'hardware'] as const) {
        const decisions = route(comp('backup', kind, 'ok', to), ctx(server([['backup', kind, to]]), { open: openBackup }), POLICY);
        expect(decisions.filter((d) => d.action === 'open'), `${kind} → ${to}`).toEqual([]);
      }
    }
  });
});
