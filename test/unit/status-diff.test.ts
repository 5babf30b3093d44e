// The pure diff between what is known about a server and a new report: delta vs full reports, late
// deliveries, first sight of a server, and unreachable reports.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { confirmsOnly, diffReport, onlyObservationChanged, type StateChange } from '../../src/domain/status-diff.js';
import type { ReportedComponent, ServerState, StatusReport } from '../../src/domain/types.js';

const t = (minute: number) => `2026-11-25T10:${String(minute).padStart(2, '0')}:00.000Z`;
const ok = (name: string, kind: 'software' | 'hardware' = 'software'): ReportedComponent => ({ name, kind, status: 'ok' });
const failed = (name: string, message?: string, kind: 'software' | 'hardware' = 'software'): ReportedComponent => ({ name, kind, status: 'failed', message });

const report = (minute: number, components: ReportedComponent[], reachable = true): StatusReport => ({
  serverId: 'srv-0001', observedAt: t(minute), reachable, components, name: 'acme-hq-01', customerId: 'acme',
});

/** Applies reports one after another, as the ingest path does, and returns the last state and every change. */
function run(steps: Array<[StatusReport, 'delta' | 'full']>): { state: ServerState | undefined; changes: StateChange[] } {
  let state: ServerState | undefined;
  const changes: StateChange[] = [];
  for (const [r, mode] of steps) {
    const out = diffReport(state, r, mode, {});
    state = out.next;
    changes.push(...out.changes);
  }
  return { state, changes };
}

const summary = (changes: StateChange[]) =>
  changes.map((c) => (c.type === 'component' ? `${c.component}:${c.from}->${c.to}` : `reachable:${c.from}->${c.to}`));

describe('diffReport on first sight of a server', () => {
  it('emits nothing for healthy components and a reachable server', () => {
    const { next, changes } = diffReport(undefined, report(0, [ok('backup'), ok('disks', 'hardware')]), 'full', {});
    expect(changes).toEqual([]);
    expect(Object.keys(next.components).sort()).toEqual(['backup', 'disks']);
    expect(next).toMatchObject({ id: 'srv-0001', name: 'acme-hq-01', customerId: 'acme', reachable: true, observedAt: t(0) });
  });

  it('emits a change from null for a component first seen failed', () => {
    const { changes } = diffReport(undefined, report(0, [ok('email'), failed('backup', 'exit 3')]), 'full', {});
    expect(changes).toEqual([{ type: 'component', serverId: 'srv-0001', customerId: 'acme', component: 'backup', kind: 'software', from: null, to: 'failed', message: 'exit 3', at: t(0) }]);
  });

  it('emits a reachability change for a server first seen unreachable', () => {
    expect(summary(diffReport(undefined, report(0, [], false), 'full', {}).changes)).toEqual(['reachable:null->false']);
  });

  it('prefers the names the console list gave over the report and the server id', () => {
    const { next } = diffReport(undefined, { ...report(0, []), name: undefined, customerId: undefined }, 'full', { name: 'listed', customerId: 'globex', consoleId: 'main' });
    expect(next).toMatchObject({ name: 'listed', customerId: 'globex', consoleId: 'main' });
    expect(diffReport(undefined, { ...report(0, []), name: undefined }, 'full', {}).next.name).toBe('srv-0001');
  });
});

describe('diffReport, delta vs full', () => {
  const start: Array<[StatusReport, 'delta' | 'full']> = [[report(0, [ok('backup'), ok('email'), ok('disks', 'hardware')]), 'full']];

  it('keeps the components a delta report does not mention', () => {
    const { state, changes } = run([...start, [report(1, [failed('backup')]), 'delta']]);
    expect(Object.keys(state!.components).sort()).toEqual(['backup', 'disks', 'email']);
    expect(summary(changes)).toEqual(['backup:ok->failed']);
  });

  it('drops the components a full report omits, without inventing a change for them', () => {
    const { state, changes } = run([...start, [report(1, [ok('backup')]), 'full']]);
    expect(Object.keys(state!.components)).toEqual(['backup']);
    expect(changes).toEqual([]);
  });

  it('reports each status change once, and nothing for a report that repeats it', () => {
    const { changes } = run([...start, [report(1, [failed('backup')]), 'delta'], [report(2, [failed('backup')]), 'delta'], [report(3, [ok('backup')]), 'full']]);
    expect(summary(changes)).toEqual(['backup:ok->failed', 'backup:failed->ok']);
  });

  it('keeps since from the first report of a status and moves observedAt with every report', () => {
    const { state } = run([...start, [report(1, [failed('backup')]), 'delta'], [report(2, [failed('backup')]), 'delta']]);
    expect(state!.components.backup).toMatchObject({ status: 'failed', since: t(1), observedAt: t(2) });
  });

  it('takes since from the console when it gives one for a new status', () => {
    const { state } = run([...start, [report(5, [{ ...failed('backup'), since: t(3) }]), 'delta']]);
    expect(state!.components.backup.since).toBe(t(3));
  });
});

describe('diffReport with late (older) reports', () => {
  it('ignores a component whose stored observation is newer than the report', () => {
    const { state, changes } = run([
      [report(0, [ok('backup')]), 'full'],
      [report(5, [failed('backup')]), 'delta'],
      [report(3, [ok('backup')]), 'delta'], // delivered late
    ]);
    expect(state!.components.backup.status).toBe('failed');
    expect(summary(changes)).toEqual(['backup:ok->failed']);
  });

  it('still applies a late report to components it carries news for, component by component', () => {
    const { state, changes } = run([
      [report(0, [ok('backup'), ok('email')]), 'full'],
      [report(5, [failed('backup')]), 'delta'],
      [report(3, [ok('backup'), failed('email')]), 'delta'], // late: backup is stale, email is not
    ]);
    expect(state!.components.backup.status).toBe('failed');
    expect(state!.components.email.status).toBe('failed');
    expect(summary(changes)).toEqual(['backup:ok->failed', 'email:ok->failed']);
  });

  it('does not move the server observedAt backwards', () => {
    const { state } = run([[report(5, [ok('backup')]), 'full'], [report(3, [ok('backup')]), 'delta']]);
    expect(state!.observedAt).toBe(t(5));
  });

  it('does not drop components for a late full report', () => {
    const { state } = run([[report(5, [ok('backup'), ok('email')]), 'full'], [report(3, [ok('backup')]), 'full']]);
    expect(Object.keys(state!.components).sort()).toEqual(['backup', 'email']);
  });

  it('does not flip reachability on a late report', () => {
    const { state, changes } = run([[report(0, [ok('backup')]), 'full'], [report(5, [], false), 'full'], [report(3, [ok('backup')]), 'full']]);
    expect(state!.reachable).toBe(false);
    expect(summary(changes)).toEqual(['reachable:true->false']);
  });
});

describe('diffReport with unreachable reports', () => {
  it('records the server unreachable and leaves every component as it was', () => {
    const { state, changes } = run([
      [report(0, [ok('backup'), failed('disks', 'bad', 'hardware')]), 'full'],
      [report(1, [], false), 'full'],
    ]);
    expect(summary(changes)).toEqual(['disks:null->failed', 'reachable:true->false']);
    expect(state!.reachable).toBe(false);
    expect(state!.reachableSince).toBe(t(1));
    expect(state!.components.backup).toMatchObject({ status: 'ok', observedAt: t(0) });
    expect(state!.components.disks).toMatchObject({ status: 'failed', observedAt: t(0) });
  });

  it('ignores the component list an unreachable report carries', () => {
    const { state, changes } = run([[report(0, [ok('backup')]), 'full'], [report(1, [failed('backup')], false), 'full']]);
    expect(state!.components.backup.status).toBe('ok');
    expect(summary(changes)).toEqual(['reachable:true->false']);
  });

  it('reports reachable again once, with the instant it came back', () => {
    const { state, changes } = run([[report(0, [ok('backup')]), 'full'], [report(1, [], false), 'full'], [report(2, [], false), 'full'], [report(3, [ok('backup')]), 'full']]);
    expect(summary(changes)).toEqual(['reachable:true->false', 'reachable:false->true']);
    expect(state).toMatchObject({ reachable: true, reachableSince: t(3) });
  });
});


describe('confirmsOnly: the diff decided without a copy', () => {
  const names = ['backup', 'antivirus', 'raid'];
  const component = fc.record({
    name: fc.constantFrom(...names),
    kind: fc.constantFrom('software' as const, 'hardware' as const),
    status: fc.constantFrom('ok' as const, 'degraded' as const, 'failed' as const),
    message: fc.option(fc.constantFrom('m1', 'm2'), { nil: undefined }),
    since: fc.option(fc.constantFrom(t(1), t(5)), { nil: undefined }),
  });
  const reportArb = fc.record({
    serverId: fc.constant('srv-0001'),
    observedAt: fc.constantFrom(t(2), t(4), t(6)),
    reachable: fc.boolean(),
    // Each component once, as the report schema requires (a report naming one twice is refused).
    components: fc.uniqueArray(component, { maxLength: 4, selector: (c) => c.name }),
    name: fc.option(fc.constantFrom('acme-hq-01', 'renamed'), { nil: undefined }),
    customerId: fc.option(fc.constantFrom('acme', 'globex'), { nil: undefined }),
  });
  const metaArb = fc.record({
    name: fc.option(fc.constantFrom('acme-hq-01', 'renamed'), { nil: undefined }),
    customerId: fc.option(fc.constantFrom('acme', 'globex'), { nil: undefined }),
    consoleId: fc.option(fc.constantFrom('main', 'dr'), { nil: undefined }),
  }, { requiredKeys: [] });
  const mode = fc.constantFrom('delta' as const, 'full' as const);

  it('says "only observations" exactly when the diff changes nothing else (whenever it says so)', () => {
    let confirmed = 0;
    fc.assert(fc.property(fc.array(fc.tuple(reportArb, mode), { minLength: 1, maxLength: 3 }), reportArb, mode, metaArb, (history, r, m, meta) => {
      // A server as earlier reports left it.
      let prev: ServerState | undefined;
      for (const [h, hm] of history) prev = diffReport(prev, h, hm, { consoleId: 'main' }).next;
      const quick = confirmsOnly(prev!, r, m, meta);
      const { next, changes } = diffReport(prev, r, m, meta);
      const onlyObservation = changes.length === 0 && onlyObservationChanged(prev!, next);
      if (quick) {
        confirmed++;
        expect(onlyObservation).toBe(true);
      } else if (onlyObservation) {
        // Allowed only for what it leaves to the diff on purpose: a late (older) report.
        expect(r.observedAt < prev!.observedAt || r.components.some((c) => (prev!.components[c.name]?.observedAt ?? '') > r.observedAt)).toBe(true);
      }
    }), { numRuns: 4000 });
    expect(confirmed).toBeGreaterThan(100);
  });
});
