// What the SLA clocks and the management path are measured against, declared by the domain; config/
// produces these from the parsed YAML (src/config/to-domain.ts).
import { DURATION_PATTERN, parseDuration } from './durations.js';
import type { Priority } from './types.js';

/** A target on a calendar: working time in ms, or working days (`d` in the config means working days). */
export type SlaTarget = { days: number } | { ms: number };

/** The three clocks' targets for one priority, and the calendar they are counted on. */
export interface PriorityTargets {
  respond: SlaTarget;
  progressEvery: SlaTarget;
  resolve: SlaTarget;
  /** Name of a calendar (`24x7` is built in). */
  calendar: string;
}

/** Every priority's targets and the warning fraction (DESIGN §7). */
export interface SlaSpec {
  /** Fraction of a run's working budget at which the warning fires (0 < warnAt < 1). */
  warnAt: number;
  priorities: Record<Priority, PriorityTargets>;
}

/** `30m`/`4h` → working time; `1d`/`0.5d` → working days. Throws on anything that is not a duration. */
export function parseSlaTarget(text: string): SlaTarget {
  const m = DURATION_PATTERN.exec(text.trim());
  if (!m) throw new Error(`not an SLA target: "${text}" (expected e.g. 30m, 4h, 1d)`);
  return m[2] === 'd' ? { days: Number(m[1]) } : { ms: parseDuration(text) };
}
