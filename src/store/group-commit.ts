// Group commit: commits that arrive while a write is running share the next write, and every caller's
// promise settles with the write that carried its change.

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class GroupCommitter {
  private waiting: Waiter[] = [];
  private running = false;

  constructor(private readonly write: () => Promise<void>) {}

  /** Resolves once a write that started after this call has finished. */
  request(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  get idle(): boolean {
    return !this.running && this.waiting.length === 0;
  }

  private async drain(): Promise<void> {
    this.running = true;
    while (this.waiting.length > 0) {
      const batch = this.waiting;
      this.waiting = [];
      try {
        await this.write();
        for (const w of batch) w.resolve();
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
    this.running = false;
  }
}
