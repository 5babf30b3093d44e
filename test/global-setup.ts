// Builds dist/ once per test run, so integration tests exercise the same compiled daemon that ships.
// Type errors do not stop the run (tsc still emits JavaScript and `npm run typecheck` is the gate for
// types); a missing dist/main.js does. ESCALATORD_TEST_SKIP_BUILD=1 skips the build for quick reruns.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DAEMON_ENTRY, REPO_ROOT } from './helpers/daemon-process.js';

export function setup(): void {
  if (process.env.ESCALATORD_TEST_SKIP_BUILD === '1' && existsSync(DAEMON_ENTRY)) return;
  const tsc = join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
  const build = (extra: string[]) => spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json', ...extra], { cwd: REPO_ROOT, encoding: 'utf8' });
  let result = build(['--incremental']);
  // An incremental build trusts dist/.tsbuildinfo; if outputs were deleted by hand, build everything.
  if (!existsSync(DAEMON_ENTRY)) result = build([]);
  if (result.status !== 0) {
    process.stderr.write(`global-setup: tsc reported problems (the build still emitted JavaScript):\n${result.stdout}${result.stderr}\n`);
  }
  if (!existsSync(DAEMON_ENTRY)) throw new Error(`global-setup: the build did not produce ${DAEMON_ENTRY}`);
}
