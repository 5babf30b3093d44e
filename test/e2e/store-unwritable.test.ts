// The store cannot write (disk full, read-only) while the daemon runs: ingest answers 503 so senders
// retry, /healthz stays 200 (alive: do not restart it), /readyz answers 503, the daemon stays up, and
// ingest answers 202 again once the store can write.
//
// How the disk is made unwritable, given that CI runs as root: chmod does not stop root, and a folder
// swapped under the daemon does not stop appends to the journal it already holds open. Two techniques:
// - the real store file: the daemon's RLIMIT_FSIZE soft limit is lowered with `prlimit --pid` to 1 byte,
//   so every write that would grow a file fails with EFBIG (what a full disk does to the write path), and
//   raised back to the hard limit to free the disk (raising a hard limit needs CAP_SYS_RESOURCE, which a
//   container's root may lack). Root is bound by RLIMIT_FSIZE too, and Node ignores SIGXFSZ.
// - in-process, the in-memory store's `failWrites` switch, which plays the same failure at the port.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { drillConfig, getJson, inProcessDaemon, postSigned, report } from '../fixtures/drills/kit.js';
import { killAllDaemons, startDaemonProcess } from '../helpers/daemon-process.js';
import { waitFor } from '../helpers/net.js';
import { useTempDir } from '../helpers/tmp.js';

const hasPrlimit = spawnSync('prlimit', ['--version']).status === 0;
const status = async (url: string) => (await fetch(url, { signal: AbortSignal.timeout(30_000) })).status;
const ingest = async (url: string, serverId: string, id = randomUUID()) => {
  const res = await postSigned(url, report(serverId, [{ name: 'backup', kind: 'software', status: 'degraded' }]), id);
  await res.body?.cancel();
  return res.status;
};

describe('store unwritable mid-run', () => {
  const tmp = useTempDir(beforeEach, afterEach, 'escalatord-unwritable-');

  afterEach(async () => {
    await killAllDaemons();
  });

  // Without prlimit (util-linux) there is no way to fill the disk as root here; the in-process test below still runs.
  it.skipIf(!hasPrlimit)('answers ingest 503 while the real store file cannot grow, stays alive, and takes data again once it can', async () => {
    const daemon = await startDaemonProcess({ configYaml: drillConfig(tmp().path), dir: tmp().path });
    const pid = String(daemon.child.pid);
    expect(await ingest(daemon.url, 'srv-a')).toBe(202);

    execFileSync('prlimit', ['--pid', pid, '--fsize=1:']);
    try {
      const lost = randomUUID();
      expect(await ingest(daemon.url, 'srv-b', lost)).toBe(503);
      expect(await status(`${daemon.url}/readyz`)).toBe(503);
      expect(await status(`${daemon.url}/healthz`)).toBe(200);
      expect(await ingest(daemon.url, 'srv-c')).toBe(503);
      expect(daemon.child.exitCode).toBeNull();
      expect(daemon.logs().some((l) => l.msg === 'store write failed')).toBe(true);
    } finally {
      execFileSync('prlimit', ['--pid', pid, '--fsize=unlimited:']);
    }

    // Nothing else writes in this daemon (no console, no outbox): it must notice by itself that the disk is back.
    await waitFor(async () => (await status(`${daemon.url}/readyz`)) === 200, { timeoutMs: 10_000, what: '/readyz to answer 200 again' });
    expect(await ingest(daemon.url, 'srv-d')).toBe(202);
    expect(daemon.child.exitCode).toBeNull();

    // What was answered 202 is on disk: a clean restart finds it.
    await daemon.stop();
    const again = await startDaemonProcess({ configYaml: drillConfig(tmp().path), dir: tmp().path });
    for (const id of ['srv-a', 'srv-d']) {
      const server = await getJson<{ components: Array<{ name: string; status: string }> }>(`${again.url}/api/v1/servers/${id}`);
      expect(server.components).toMatchObject([{ name: 'backup', status: 'degraded' }]);
    }
    await again.stop();
  }, 60_000);

  it('answers ingest 503 while the store port refuses writes, keeps /healthz 200, and takes data again after', async () => {
    const store = new MemoryStore();
    const daemon = inProcessDaemon(drillConfig(tmp().path), { store });
    await daemon.start();
    try {
      expect(await ingest(daemon.url, 'srv-a')).toBe(202);
      store.failWrites = true;
      expect(await ingest(daemon.url, 'srv-b')).toBe(503);
      expect(await status(`${daemon.url}/readyz`)).toBe(503);
      expect(await status(`${daemon.url}/healthz`)).toBe(200);
      store.failWrites = false;
      // The engine tries the write again by itself: readiness comes back without any traffic.
      await waitFor(async () => (await status(`${daemon.url}/readyz`)) === 200, { timeoutMs: 10_000, what: '/readyz to answer 200 again' });
      expect(await ingest(daemon.url, 'srv-c')).toBe(202);
      expect((await store.read.servers.all()).map((s) => s.id).sort()).toEqual(['srv-a', 'srv-c']);
    } finally {
      await daemon.stop();
    }
  });
});
