// The hello snapshot. The cache reads the seq first and the state after it, so the state reflects at
// least that seq; the hub replays every event after it, so nothing is missed. A client that connects
// waits for a snapshot built after it asked (`fresh()`), so it also sees what changed without an event
// (a poll's console health, a server the inventory just learned); connections arriving together share
// one build. While clients are connected it is also rebuilt in the background as events arrive, at
// most once per `minIntervalMs()` (a resync greets from it); with nobody connected the caller makes
// that interval long, so a busy daemon does not rebuild what nobody reads.
export class SnapshotCache<T> {
  private current: { seq: number; snapshot: T } | null = null;
  private refreshing: Promise<void> | null = null;
  /** The build that callers of fresh() wait for: the next one to start. */
  private next: Promise<void> | null = null;
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly deps: { latestSeq: () => number; build: () => Promise<T>; minIntervalMs: () => number; onError: (err: unknown) => void }) {}

  get(): { seq: number; snapshot: T } {
    if (!this.current) throw new Error('the live snapshot is not ready yet');
    return this.current;
  }

  /** Builds the first snapshot; call before clients are accepted. */
  async prime(): Promise<void> {
    await this.refresh();
  }

  /** Resolves once a snapshot built after this call is current; concurrent callers share one build. */
  fresh(): Promise<void> {
    this.next ??= (this.refreshing ?? Promise.resolve()).then(() => {
      this.next = null;
      clearTimeout(this.timer);
      this.timer = undefined;
      return this.refresh();
    });
    return this.next;
  }

  /** Something changed: rebuild soon. */
  invalidate(): void {
    this.dirty = true;
    if (this.timer || this.refreshing || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.refresh();
    }, this.deps.minIntervalMs());
    this.timer.unref();
  }

  /** Resolves once a build in progress has ended: the store it reads may be closed next. Nothing is built after. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.refreshing;
  }

  private refresh(): Promise<void> {
    if (this.refreshing) return this.refreshing;
    if (this.stopped) return Promise.resolve();
    this.dirty = false;
    const seq = this.deps.latestSeq();
    this.refreshing = this.deps.build()
      .then((snapshot) => {
        this.current = { seq, snapshot };
      }, this.deps.onError)
      .finally(() => {
        this.refreshing = null;
        if (this.dirty) this.invalidate();
      });
    return this.refreshing;
  }
}
