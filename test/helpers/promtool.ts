// promtool from Debian's `prometheus` package (or PROMTOOL=path), for the tests that check metrics and
// rules with the real tool. Absent on a developer machine it skips; under CI it must be there.
import { spawnSync } from 'node:child_process';

export const ON_CI = Boolean(process.env.CI) && process.env.CI !== 'false';
export const PROMTOOL = process.env.PROMTOOL ?? 'promtool';
const probe = spawnSync(PROMTOOL, ['--version'], { encoding: 'utf8' });
export const HAVE_PROMTOOL = probe.error === undefined && probe.status === 0;
