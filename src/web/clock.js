// The daemon's clock as the page knows it. SLA due instants, warnings and ages are the daemon's; counting
// them down from the browser's clock would be off by however far the two machines disagree. The live
// feed's hello snapshot says when it was built by the daemon's clock (`at`), just before it was sent, so
// the difference from this machine's clock at arrival is the offset (minus a network hop, which is
// negligible next to a countdown in seconds).

/**
 * `readLocal` is this machine's clock (injected for tests). `now()` is the daemon's time; until a hello
 * has been seen it is the local clock.
 */
export function createServerClock(readLocal = () => Date.now()) {
  let offset = 0;
  return {
    now: () => readLocal() + offset,
    /** A hello snapshot's `at`, read as it arrives. Anything unreadable leaves the offset as it was. */
    observe(at) {
      const ms = typeof at === 'string' ? Date.parse(at) : NaN;
      if (Number.isFinite(ms)) offset = ms - readLocal();
    },
    offset: () => offset,
  };
}
