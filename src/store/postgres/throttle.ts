// Background retries against a database that is down fail every second; their log lines should not.
// Reports the first error of each kind at once, then at most one per `intervalMs`, with how many were
// left out meanwhile.

export type ErrorReporter = (err: unknown, what: string) => void;

export function throttleErrors(report: ErrorReporter, intervalMs = 30_000, now: () => number = Date.now): (err: unknown, what: string) => void {
  const last = new Map<string, { at: number; skipped: number }>();
  return (err, what) => {
    const seen = last.get(what);
    const t = now();
    if (seen && t - seen.at < intervalMs) {
      seen.skipped++;
      return;
    }
    const skipped = seen?.skipped ?? 0;
    last.set(what, { at: t, skipped: 0 });
    report(err, skipped > 0 ? `${what} (and ${skipped} more like it since the last report)` : what);
  };
}
