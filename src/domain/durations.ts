// Durations are written `30s`, `5m`, `4h`, `1d`, `250ms` (DESIGN §11). `1d` is 24 wall-clock hours here;
// SLA targets read `d` as working days on a calendar instead (parseSlaTarget in sla-targets.ts).

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
export const DURATION_PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

export function parseDuration(text: string): number {
  const match = DURATION_PATTERN.exec(text.trim());
  if (!match) throw new Error(`not a duration: "${text}" (expected e.g. 30s, 5m, 4h, 1d)`);
  return Math.round(Number(match[1]) * UNIT_MS[match[2]]);
}
