// Stopping the daemon: every step runs, in the order given, even when an earlier one throws — a store
// left unflushed because the live feed failed to close would lose acknowledged data.
import type { Logger } from 'pino';

export interface ShutdownStep {
  name: string;
  run: () => unknown;
}

/** Runs each step in turn; a step that throws is logged and counted, and the next one still runs. Returns the failures. */
export async function runShutdown(steps: readonly ShutdownStep[], logger: Pick<Logger, 'warn'>): Promise<Array<{ step: string; err: unknown }>> {
  const failures: Array<{ step: string; err: unknown }> = [];
  for (const step of steps) {
    try {
      await step.run();
    } catch (err) {
      failures.push({ step: step.name, err });
      logger.warn({ err, step: step.name }, 'a shutdown step failed; continuing');
    }
  }
  return failures;
}
