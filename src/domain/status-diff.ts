// The pure diff between what the daemon believes about a server and a new report. A webhook report is
// a delta (only the components it names); a polled report is the whole truth (components it omits are
// gone). Reports older than what is already known are ignored component by component.
import type { ComponentKind, ComponentState, ComponentStatus, ServerState, ServerStateFields, StatusReport } from './types.js';

export type StateChange =
  | {
      type: 'component';
      serverId: string;
      customerId: string;
      component: string;
      kind: ComponentKind;
      from: ComponentStatus | null;
      to: ComponentStatus;
      message?: string;
      at: string;
    }
  | { type: 'reachability'; serverId: string; customerId: string; from: boolean | null; to: boolean; at: string };

export interface DiffMeta {
  name?: string;
  customerId?: string;
  consoleId?: string;
}

export interface DiffResult {
  next: ServerState;
  changes: StateChange[];
}

export function diffReport(prev: ServerState | undefined, report: StatusReport, mode: 'delta' | 'full', meta: DiffMeta): DiffResult {
  const observedAt = report.observedAt;
  const customerId = meta.customerId ?? report.customerId ?? prev?.customerId ?? 'unknown';
  // Built here as a fresh record, then handed out read-only.
  const next: ServerStateFields = {
    id: report.serverId,
    name: meta.name ?? report.name ?? prev?.name ?? report.serverId,
    customerId,
    consoleId: meta.consoleId ?? prev?.consoleId,
    reachable: prev?.reachable ?? true,
    reachableSince: prev?.reachableSince ?? observedAt,
    observedAt: prev && prev.observedAt > observedAt ? prev.observedAt : observedAt,
    // Null prototype: component names come from outside, and `__proto__` or `constructor` is a name like any other.
    components: Object.assign(Object.create(null) as Record<string, ComponentState>, prev?.components ?? {}),
  };
  const changes: StateChange[] = [];
  const isNewer = !prev || observedAt >= prev.observedAt;

  if (isNewer && (prev === undefined || prev.reachable !== report.reachable)) {
    next.reachable = report.reachable;
    next.reachableSince = observedAt;
    // A server seen for the first time and reachable is not news; one first seen unreachable is.
    if (prev !== undefined || !report.reachable) {
      changes.push({ type: 'reachability', serverId: report.serverId, customerId, from: prev ? prev.reachable : null, to: report.reachable, at: observedAt });
    }
  }
  // While the console cannot reach the server, its component list says nothing new about them.
  if (!report.reachable) return { next, changes };

  const seen = new Set<string>();
  for (const c of report.components) {
    seen.add(c.name);
    const old = Object.hasOwn(next.components, c.name) ? next.components[c.name] : undefined;
    if (old && old.observedAt > observedAt) continue; // a late delivery of an older report
    const status = c.status;
    const changed = !old || old.status !== status;
    const state: ComponentState = {
      name: c.name,
      kind: c.kind,
      status,
      message: c.message,
      since: changed ? (c.since ?? observedAt) : old.since,
      observedAt,
    };
    next.components[c.name] = state;
    // First sight of a healthy component is not a transition worth an event.
    if (changed && (old !== undefined || status !== 'ok')) {
      changes.push({
        type: 'component', serverId: report.serverId, customerId, component: c.name, kind: c.kind,
        from: old ? old.status : null, to: status, message: c.message, at: observedAt,
      });
    }
  }
  if (mode === 'full' && isNewer) {
    for (const name of Object.keys(next.components)) {
      if (!seen.has(name)) delete next.components[name];
    }
  }
  return { next, changes };
}

/**
 * True when `next` differs from `prev` only in when it was observed. Such a report confirms what is
 * known; the caller may keep the stored record instead of replacing it, so a steady fleet costs no
 * store writes.
 */
export function onlyObservationChanged(prev: ServerState, next: ServerState): boolean {
  if (prev.name !== next.name || prev.customerId !== next.customerId || prev.consoleId !== next.consoleId || prev.reachable !== next.reachable || prev.reachableSince !== next.reachableSince) return false;
  const a = Object.keys(prev.components);
  if (a.length !== Object.keys(next.components).length) return false;
  for (const name of a) {
    const p = prev.components[name];
    const n = Object.hasOwn(next.components, name) ? next.components[name] : undefined;
    if (!n || p.status !== n.status || p.kind !== n.kind || p.message !== n.message || p.since !== n.since) return false;
  }
  return true;
}

/**
 * True when applying `report` to `prev` would change nothing but observation instants — what
 * `diffReport` followed by `onlyObservationChanged` finds, decided without building the new record.
 * Most reports of a steady fleet are like this, and ingest answers them without a copy of the server.
 * It may answer false where the diff would find only observations changed (a late, older report);
 * the caller then diffs. `observedAt` of prev's components are not looked at: whatever they are, a
 * report that agrees on every field changes none of them but the instants.
 */
export function confirmsOnly(prev: ServerState, report: StatusReport, mode: 'delta' | 'full', meta: DiffMeta): boolean {
  if ((meta.name ?? report.name ?? prev.name) !== prev.name) return false;
  if ((meta.customerId ?? report.customerId ?? prev.customerId) !== prev.customerId) return false;
  if ((meta.consoleId ?? prev.consoleId) !== prev.consoleId) return false;
  if (report.reachable !== prev.reachable) return false;
  // While unreachable, the components a report lists are not looked at.
  if (!report.reachable) return true;
  const components = prev.components;
  for (const c of report.components) {
    const old = Object.hasOwn(components, c.name) ? components[c.name] : undefined;
    if (!old || old.status !== c.status || old.kind !== c.kind || old.message !== c.message) return false;
  }
  if (mode === 'full') {
    // The whole truth: a component it leaves out would go.
    const named = new Set<string>();
    for (const c of report.components) named.add(c.name);
    if (named.size !== Object.keys(components).length) return false;
  }
  return true;
}
