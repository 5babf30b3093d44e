// The live feed's two halves, wired to each other: the hub that greets clients and fans events out, and
// the snapshot cache it greets from. A client is greeted from a snapshot built after it connected; in
// between, the cache is rebuilt as events flow only while someone is connected to read it.
import type { LiveHubDeps } from './live-hub-deps.js';
import { LiveHub } from './live-hub.js';
import { SnapshotCache } from './snapshot-cache.js';

export interface LiveFeedDeps extends Omit<LiveHubDeps, 'snapshot' | 'beforeGreeting'> {
  buildSnapshot(): Promise<unknown>;
  onSnapshotError(err: unknown): void;
}

export function createLiveFeed(deps: LiveFeedDeps): { hub: LiveHub; snapshots: SnapshotCache<unknown> } {
  const { buildSnapshot, onSnapshotError, ...hubDeps } = deps;
  const snapshots: SnapshotCache<unknown> = new SnapshotCache({
    latestSeq: () => deps.eventLog.latestSeq(),
    build: buildSnapshot,
    minIntervalMs: () => (hub.clientCount > 0 ? 200 : 10_000),
    onError: onSnapshotError,
  });
  const hub = new LiveHub({ ...hubDeps, snapshot: () => snapshots.get(), beforeGreeting: () => snapshots.fresh() });
  return { hub, snapshots };
}
