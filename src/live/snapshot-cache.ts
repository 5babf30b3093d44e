// The hello snapshot, kept ready: the hub greets synchronously, while the store's reads are async (and
// on postgres go over the network). The cache reads the seq first and the state after it, so the state
// reflects at least that seq; the hub replays every event after it, so nothing is missed. Refreshed in
// the background when events arrive, at most once per `minIntervalMs()` — which the caller makes long
// while nobody is connected: a greeting replays whatever the window holds after the snapshot's seq.
export class SnapshotCache<T> {
  private current: { seq: number; snapshot: T } | null = null;
  private refreshing: Promise<void> | null = null;
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

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private refresh(): Promise<void> {
    if (this.refreshing) return this.refreshing;
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
