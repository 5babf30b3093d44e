// promtool from Debian's `prometheus` package (or PROMTOOL=path), for the tests that check metrics and
// rules with the real tool. Absent on a developer machine it skips; under CI it must be there.
import { spawnSync } from 'node:child_process';

export const ON_CI = Boolean(process.env.CI) && process.env.CI !== 'false';
export const PROMTOOL = process.env.PROMTOOL ?? 'promtool';
const probe = spawnSync(PROMTOOL, ['--version'], { encoding: 'utf8' });
export const HAVE_PROMTOOL = probe.error === undefined && probe.status === 0;

/** prom-client's default metrics name three gauges `_total`; they are not ours to rename. */
export const KNOWN_DEFAULT_METRIC_LINT = new Set([
  'escalatord_nodejs_active_handles_total non-counter metrics should not have "_total" suffix',
  'escalatord_nodejs_active_requests_total non-counter metrics should not have "_total" suffix',
  'escalatord_nodejs_active_resources_total non-counter metrics should not have "_total" suffix',
]);
